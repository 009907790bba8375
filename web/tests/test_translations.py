"""The Chinese catalogues are complete: no untranslated or fuzzy entry, and every placeholder kept. Every
catalogue counts: the project's ``locale/`` and each app's own ``<app>/locale/`` (core.catalogues)."""

import re

import polib
import pytest

from core.catalogues import catalogue_dirs

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def catalogue(language):
    """All of a language's catalogues as one; an app's catalogue must exist in all three languages."""
    merged = polib.POFile()
    for directory in catalogue_dirs():
        path = directory / language / "LC_MESSAGES" / "django.po"
        assert path.exists(), f"missing {path}"
        merged.extend(polib.pofile(str(path)))
    return merged


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_chinese_catalogue_is_complete(language):
    po = catalogue(language)
    assert len(po) > 100
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert untranslated == [], f"{language}: untranslated {untranslated[:10]}"
    assert fuzzy == [], f"{language}: fuzzy {fuzzy[:10]}"


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_translations_keep_every_placeholder(language):
    wrong = []
    for entry in catalogue(language).translated_entries():
        if entry.msgid_plural:
            pairs = [(entry.msgid_plural, text) for text in entry.msgstr_plural.values()]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        for source, text in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                wrong.append(entry.msgid)
    assert wrong == []


def test_traditional_catalogue_is_not_a_copy_of_the_simplified_one():
    simplified = {e.msgid: e.msgstr for e in catalogue("zh_Hans")}
    traditional = catalogue("zh_Hant")
    differing = [e for e in traditional if e.msgstr and e.msgstr != simplified.get(e.msgid)]
    assert len(differing) > len(traditional) / 2


def _one_term(text: str) -> str:
    """The English UI calls a 诉求 a "demand" everywhere; msgids written with "appeal" (the model's name)
    are given the one term in the English catalogue."""
    text = re.sub(r"\b([Aa])n appeal", lambda m: m.group(1) + " demand", text)
    return re.sub(r"\bappeal", "demand", re.sub(r"\bAppeal", "Demand", re.sub(r"\bAPPEAL", "DEMAND", text)))


def test_english_catalogue_falls_back_to_the_msgids_but_says_demand_for_appeal():
    po = catalogue("en")
    for entry in po:
        if entry.msgid_plural:
            said = [entry.msgstr_plural.get(0, ""), entry.msgstr_plural.get(1, "")]
            wanted = [_one_term(entry.msgid), _one_term(entry.msgid_plural)]
        else:
            said, wanted = [entry.msgstr], [_one_term(entry.msgid)]
        if wanted == ([entry.msgid, entry.msgid_plural] if entry.msgid_plural else [entry.msgid]):
            assert not any(said), f"the English catalogue should fall back to {entry.msgid!r}"
        else:
            assert said == wanted, f"{entry.msgid!r} needs its English text with “demand”"


# msgids two apps translate differently, where gettext shows the first app's words on the other's pages
# (the first catalogue in LOCALE_PATHS, then INSTALLED_APPS order, wins): a word another app translates in
# another sense gets a context ({% translate "…" context "…" %}, pgettext). Obsolete entries (#~) are not
# compiled, so they shadow nothing. In Traditional, one word said two ways (聯絡/聯繫) is said the first app's way.
@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_no_word_reads_with_another_apps_sense(language):
    from django.conf import settings

    first: dict[tuple, tuple[str, str]] = {}
    shadowed = set()
    for directory in catalogue_dirs():
        app = directory.parent.name if directory.name == "locale" and directory.parent.name in settings.INSTALLED_APPS \
            else "locale"
        for entry in polib.pofile(str(directory / language / "LC_MESSAGES" / "django.po")):
            if not entry.msgstr or entry.obsolete:
                continue
            key = (entry.msgctxt, entry.msgid)
            if key in first and first[key][1] != entry.msgstr:
                shadowed.add((app, entry.msgid))
            first.setdefault(key, (app, entry.msgstr))
    assert shadowed == set()
