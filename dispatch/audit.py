"""How dispatch's audit rows read (found at start-up by core.apps; see core.audit)."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_verbs

register_verbs({
    "dispatch.classifier.train": _("Routing model trained"),
    "dispatch.classifier.activate": _("Routing model switched on"),
    "dispatch.catalogue.create": _("Dispatch catalogue entry created"),
    "dispatch.catalogue.update": _("Dispatch catalogue entry changed"),
    "dispatch.correction": _("Routing correction recorded"),
    "dispatch.examples.import": _("Training examples imported"),
    "dispatch.examples.history": _("Training examples taken from history"),
    "dispatch.example.delete": _("Training example deleted"),
    "dispatch.topic.create": _("Monthly topic created"),
    "dispatch.topic.update": _("Monthly topic changed"),
})
