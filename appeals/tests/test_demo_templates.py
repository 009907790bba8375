"""appeals_demo_templates: the demo's reply templates, added once through the service and audited."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appeals.management.commands.appeals_demo_templates import TEMPLATES
from appeals.models import ReplyTemplate
from core.models import AuditEvent


def test_adds_the_templates_once(cast):
    call_command("appeals_demo_templates", verbosity=0)
    assert ReplyTemplate.objects.count() == len(TEMPLATES)
    assert ReplyTemplate.objects.filter(department_kind="").count() >= 3  # something for every handler
    assert AuditEvent.objects.filter(verb="appeals.reply_template.create", actor=cast.root).count() == len(TEMPLATES)
    call_command("appeals_demo_templates", verbosity=0)
    assert ReplyTemplate.objects.count() == len(TEMPLATES)


def test_needs_a_superuser(db):
    with pytest.raises(CommandError):
        call_command("appeals_demo_templates", verbosity=0)
