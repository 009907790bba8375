"""Re-encrypt personal data with the newest key and recompute the blind indexes, after a key rotation.

    manage.py personal_data_keys --rotate    # prints FIELD_ENCRYPTION_KEYS with a new key first
    (put it in the environment, restart)      # new writes use the new key; old values still decrypt
    manage.py personal_data_rekey             # rewrites every value still under an older key
    (drop the old key from the list, restart)

Changing BLIND_INDEX_KEY works the same way: set the new key, restart, run this command; until it
finishes, look-ups by phone or ID number miss the rows not yet re-indexed (sign-in codes sent before
are simply asked for again). Every model with an ``EncryptedTextField`` is covered; a model declares
which index column is computed from which encrypted column in ``PERSONAL_INDEXES`` (a dict on the model
class, e.g. ``{"phone_index": "phone"}``). A model without it keeps no look-up key to recompute.

Idempotent and resumable: a value already under the newest key and an index already right are left
alone, so running it twice, or again after an interruption, rewrites nothing twice. ``--dry-run``
counts what would change.
"""

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from core.audit import audit_record
from core.crypto import EncryptedTextField, blind_index, decrypt, derived_key, encrypt

CHUNK = 1000


def encrypted_models():
    """(model, encrypted field names, {index field: source field}) for every model holding personal data."""
    for model in apps.get_models():
        fields = [f.name for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            yield model, fields, dict(getattr(model, "PERSONAL_INDEXES", {}))


class Command(BaseCommand):
    help = "Re-encrypt personal data under the newest FIELD_ENCRYPTION_KEYS key and recompute blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count what would change, change nothing")

    def handle(self, *args, dry_run=False, **options):
        newest = Fernet((settings.FIELD_ENCRYPTION_KEYS or [derived_key("field-encryption")])[0])
        totals = {"rows": 0, "values": 0, "indexes": 0}
        for model, fields, indexes in encrypted_models():
            counts = self._model(model, fields, indexes, newest, dry_run)
            for key in totals:
                totals[key] += counts[key]
            self.stdout.write(f"{model._meta.label}: {counts['rows']:,} rows, {counts['values']:,} values "
                              f"re-encrypted, {counts['indexes']:,} indexes recomputed")
        verb = "would change" if dry_run else "changed"
        self.stdout.write(f"{verb}: {totals['values']:,} values and {totals['indexes']:,} indexes "
                          f"in {totals['rows']:,} rows")
        if not dry_run:
            audit_record(actor=None, verb="personal_data.rekey", target=None,
                         data={"values": totals["values"], "indexes": totals["indexes"]})

    def _model(self, model, fields, indexes, newest, dry_run) -> dict:
        counts = {"rows": 0, "values": 0, "indexes": 0}
        raw = {f"raw_{name}": Cast(name, output_field=TextField()) for name in fields}
        nullable = {name: model._meta.get_field(name).null for name in indexes}
        last = None
        while True:
            qs = model._base_manager.order_by("pk").annotate(**raw)
            if last is not None:
                qs = qs.filter(pk__gt=last)
            rows = list(qs.values("pk", *raw, *indexes)[:CHUNK])
            if not rows:
                return counts
            last = rows[-1]["pk"]
            with transaction.atomic():
                for row in rows:
                    counts["rows"] += 1
                    changes = {}
                    clear = {}
                    for name in fields:
                        token = row[f"raw_{name}"]
                        if not token:
                            clear[name] = token or ""
                            continue
                        clear[name] = decrypt(token)
                        try:
                            newest.decrypt(token.encode())
                        except InvalidToken:  # under an older key
                            changes[name] = Value(encrypt(clear[name]), output_field=TextField())
                            counts["values"] += 1
                    for index, source in indexes.items():
                        value = clear.get(source, "")
                        wanted = blind_index(value) if value else (None if nullable[index] else "")
                        if row[index] != wanted:
                            changes[index] = wanted
                            counts["indexes"] += 1
                    if changes and not dry_run:
                        model._base_manager.filter(pk=row["pk"]).update(**changes)
