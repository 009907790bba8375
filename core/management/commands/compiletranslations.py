"""Compile every catalogue (the project's locale/ and each app's locale/) into .mo with polib, so a fresh
machine needs no GNU gettext."""

import polib
from django.core.management.base import BaseCommand

from core.catalogues import po_files


class Command(BaseCommand):
    help = "Compile the project's translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args, **options):
        count = 0
        for po_path in po_files():
            catalogue = polib.pofile(str(po_path))
            catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
            count += 1
            if options["verbosity"] > 1:
                self.stdout.write(f"{po_path}: {catalogue.percent_translated()}% translated")
        self.stdout.write(f"Compiled {count} translation catalogue(s).")
