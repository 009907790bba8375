"""System notes are kept as messages and values and read in each reader's language (core.notes)."""

from django.utils import translation
from django.utils.translation import gettext_lazy

from core import notes


def test_a_note_reads_in_the_readers_language_with_translated_values():
    parts = [notes.note("Dispatched automatically (%(source)s, confidence %(percent)s%%).",
                        source=notes.note("model v%(version)s", version=3), percent=92),
             notes.note("Deciding words: %(words)s.", words="暖气、小区")]
    with translation.override("en"):
        assert notes.render(parts) == ("Dispatched automatically (model v3, confidence 92%). "
                                       "Deciding words: 暖气、小区.")
    with translation.override("zh-hans"):
        chinese = notes.render(parts)
    assert "92%" in chinese and "Dispatched" not in chinese and "暖气、小区" in chinese


def test_the_stored_text_is_the_platforms_default_language_and_pages_render_the_parts(settings):
    parts = [notes.note("Appeal %(code)s was merged into this one.", code="ABC")]
    stored = notes.default_text(parts)
    assert "ABC" in stored and "merged" not in stored  # zh-hans, the platform's language
    with translation.override("en"):
        assert notes.shown(stored, {notes.KEY: parts}) == "Demand ABC was merged into this one."
        assert notes.shown("a person's own words", {}) == "a person's own words"


def test_a_label_is_kept_as_its_msgid():
    phrase = notes.phrase(gettext_lazy("Reply"))
    assert phrase == {"m": "Reply", "p": {}}
