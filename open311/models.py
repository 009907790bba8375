"""What an Open311 client sent beyond the appeal itself: kept beside the appeal (a link table, so the
appeals app knows nothing of Open311), with the submitter's e-mail encrypted like all personal data."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.crypto import EncryptedTextField


class Open311Submission(models.Model):
    appeal = models.OneToOneField("appeals.Appeal", verbose_name=_("appeal"), on_delete=models.CASCADE,
                                  related_name="open311")
    # Which integrating organisation's key filed it (its name is kept should the key be deleted).
    api_key_id = models.PositiveIntegerField(_("API key"), null=True, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    jurisdiction_id = models.CharField(_("jurisdiction"), max_length=100, blank=True)
    service_code = models.CharField(_("service code"), max_length=40)
    # Given by the client, never fetched: the platform does not download what others host.
    media_url = models.URLField(_("media URL"), max_length=1000, blank=True)
    email = EncryptedTextField(_("e-mail"), blank=True, default="")
    device_id = models.CharField(_("device"), max_length=100, blank=True)
    account_id = models.CharField(_("client's account"), max_length=100, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    created_at = models.DateTimeField(_("received"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 submission")
        verbose_name_plural = _("Open311 submissions")

    def __str__(self):
        return f"{self.organisation} {self.service_code}"
