"""core's tests read the admin in Chinese: compile a catalogue whose .mo is missing or stale (``make
test`` does this too; web/tests does the same for its own tests)."""

from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils.translation import trans_real


@pytest.fixture(scope="session", autouse=True)
def compiled_translations():
    changed = False
    for locale_dir in settings.LOCALE_PATHS:
        for po_path in Path(locale_dir).glob("*/LC_MESSAGES/*.po"):
            mo_path = po_path.with_suffix(".mo")
            if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                changed = True
    if changed:  # Django caches catalogues per process
        trans_real._translations = {}
        trans_real._default = None
