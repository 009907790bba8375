"""Print keys for personal data at rest, as lines for the deployment's environment file.

New keys by default; ``--derived`` prints the keys a run without them derives from the current
SECRET_KEY, so that a database built that way (a demo, or a deployment from before the keys were
required) can be carried over to explicit keys and then survive a SECRET_KEY rotation.
"""

import base64
import secrets

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.management.base import BaseCommand

from core.crypto import derived_key


class Command(BaseCommand):
    help = "Print FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY for the environment file (new ones by default)."

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--derived", action="store_true",
                          help="the keys derived from the current SECRET_KEY, for a database that was built without keys")
        mode.add_argument("--rotate", action="store_true",
                          help="a new encryption key followed by the configured ones (old data stays readable); "
                               "the blind index key is kept, since changing it would lose every phone look-up")

    def handle(self, *args, derived=False, rotate=False, **options):
        if derived:
            encryption_keys = [derived_key("field-encryption")]
            index_key = derived_key("blind-index")
            self.stdout.write("# Derived from the current SECRET_KEY: set these before changing SECRET_KEY.")
        elif rotate:
            encryption_keys = [Fernet.generate_key().decode(),
                               *(settings.FIELD_ENCRYPTION_KEYS or [derived_key("field-encryption")])]
            index_key = settings.BLIND_INDEX_KEY or derived_key("blind-index")
            self.stdout.write("# The new key encrypts from now on; the older ones still decrypt.")
        else:
            encryption_keys = [Fernet.generate_key().decode()]
            index_key = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
            self.stdout.write("# New keys, for a new database. Keep them as safe as the database backups.")
        self.stdout.write(f"FIELD_ENCRYPTION_KEYS={','.join(encryption_keys)}")
        self.stdout.write(f"BLIND_INDEX_KEY={index_key}")
