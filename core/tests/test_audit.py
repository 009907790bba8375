"""The audit trail's registry: every verb the code writes has a readable label, and one nobody
labelled shows as itself rather than disappearing."""

import re
from pathlib import Path

from django.conf import settings
from django.utils import translation

from core.audit import audit_record, register_verbs, registered_verbs, verb_label
from core.models import AuditEvent

VERB_LITERAL = re.compile(r'"([a-z_]+(?:\.[a-z_]+)+)"')


def written_verbs():
    """The verb literals on the lines of the project's code that write the audit trail."""
    found = {}
    for path in Path(settings.BASE_DIR).glob("*/**/*.py"):
        parts = path.relative_to(settings.BASE_DIR).parts
        if parts[0].startswith(".") or "tests" in parts or "migrations" in parts or parts[0] == "bench":
            continue
        text = path.read_text(encoding="utf-8")
        for statement in re.findall(r"(?:audit_record\(|_setting\()[^)]*verb=[^)]*\)", text):
            for verb in VERB_LITERAL.findall(statement.split("verb=", 1)[1]):
                found.setdefault(verb, str(path))
    return found


def test_every_verb_the_code_writes_has_a_label():
    verbs = written_verbs()
    assert "dispatch.topic.create" in verbs and "appeals.unmask" in verbs  # the scan finds them
    labelled = registered_verbs()
    # The settings services pass a stem ("appeals.calendar") and add .create / .update / .delete.
    missing = {verb: path for verb, path in verbs.items()
               if verb not in labelled and not any(known.startswith(verb + ".") for known in labelled)}
    assert missing == {}, "label these verbs in the app's audit.py (core.audit.register_verbs)"


def test_labels_read_in_chinese_and_an_unknown_verb_shows_itself():
    with translation.override("zh-hans"):
        assert verb_label("dispatch.topic.create") == "创建每月一题"
        assert all(re.search(r"[\u4e00-\u9fff]", verb_label(verb)) for verb in registered_verbs()
                   if not verb.startswith("test."))
    with translation.override("en"):
        assert verb_label("dispatch.topic.create") == "Monthly topic created"
    assert verb_label("someapp.thing.happened") == "someapp.thing.happened"


def test_a_registered_label_is_used(db):
    register_verbs({"test.sample": "Sample"})
    assert verb_label("test.sample") == "Sample"


def test_a_label_can_replace_the_targets_own_text(db, cast):
    event = audit_record(actor=cast.root, verb="test.sample", target=cast.yuci, label="only this")
    assert (event.target_type, event.target_id, event.target_label) == ("orgs.unit", str(cast.yuci.pk), "only this")
    assert AuditEvent.objects.get(pk=event.pk).actor == cast.root
