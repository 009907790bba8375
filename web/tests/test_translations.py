"""The Chinese catalogues are complete: no untranslated or fuzzy entry, and every placeholder kept."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{\w*\}")


def catalogue(language):
    path = LOCALE / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"missing {path}"
    return polib.pofile(str(path))


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


def test_english_catalogue_exists_and_falls_back_to_the_msgids():
    po = catalogue("en")
    assert all(not entry.msgstr for entry in po if not entry.msgid_plural)
