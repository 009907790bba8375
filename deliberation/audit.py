"""How the deliberation hall's audit rows read (its topics' own steps are on their timelines)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs(
    {
        "deliberation.rules.update": _("Deliberation rules changed"),
        "deliberation.sensitive_word.create": _("Sensitive word added"),
        "deliberation.sensitive_word.update": _("Sensitive word changed"),
        "deliberation.residency.declare": _("Residency declared"),
        "deliberation.residency.confirm": _("Residency confirmed by the community"),
        "deliberation.residency.reject": _("Residency not confirmed by the community"),
        "deliberation.comment.publish": _("Comment published by a moderator"),
        "deliberation.comment.hide": _("Comment hidden by a moderator"),
    }
)
