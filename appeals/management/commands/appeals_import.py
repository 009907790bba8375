"""Import a 12345 hotline export (.xlsx or .csv) as appeals; see appeals.importers for the rules.

    manage.py appeals_import export.xlsx --user yuci_dispatcher --dry-run
    manage.py appeals_import export.csv --user yuci_dispatcher --mapping "来电号码=contact_phone" --place 140702000000
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from appeals.importers import FIELD_LABELS, HotlineImporter, default_places_for, parse_mapping
from core.errors import DomainError
from core.xlsx import MAX_UPLOAD_BYTES
from orgs.models import Unit


class Command(BaseCommand):
    help = "Import a 12345 hotline export (.xlsx or .csv) as appeals, with a dry run and a row-by-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the export: .xlsx, or .csv in UTF-8 or GB18030")
        parser.add_argument("--user", required=True,
                            help="username of the dispatcher importing (the places must be in their scope)")
        parser.add_argument("--mapping", action="append", default=[], metavar="COLUMN=FIELD",
                            help="a column of the file and the field it holds; fields: " + ", ".join(FIELD_LABELS))
        parser.add_argument("--place", metavar="CODE", help="division code of the unit for rows without one "
                            "(default: the one unit the user dispatches for, else the city)")
        parser.add_argument("--dry-run", action="store_true", help="check every row and save nothing")
        parser.add_argument("--good-rows-only", action="store_true",
                            help="import the good rows even when some are bad (default: refuse the whole file)")

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if path.stat().st_size > MAX_UPLOAD_BYTES * 5:
            raise CommandError(_("The file is too large; split it into several files."))
        actor = User.objects.filter(username=options["user"], is_active=True).first()
        if actor is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": options["user"]})
        place = None
        if options["place"]:
            place = Unit.objects.filter(code=options["place"], is_active=True).first()
            if place is None:
                raise CommandError(_("No unit has the division code “%(code)s”.") % {"code": options["place"]})
        elif not actor.is_superuser and len(units := list(default_places_for(actor))) == 1:
            place = units[0]
            self.stdout.write(_("Rows that name no unit go to %(place)s.") % {"place": place.name})
        try:
            mapping = parse_mapping(options["mapping"])
            importer = HotlineImporter(actor=actor, mapping=mapping, default_place=place, progress=self._progress)
            result = importer.run(path.read_bytes(), commit=not options["dry_run"],
                                  good_rows_only=options["good_rows_only"])
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        self.stdout.write("")
        self.stdout.write(_("Columns: %(columns)s") % {"columns": ", ".join(
            f"{header} → {target}" for target, header in result.columns.items())})
        for error in result.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        summary = {"rows": result.rows, "created": len(result.created), "skipped": len(result.skipped),
                   "bad": result.bad_rows}
        if result.dry_run:
            self.stdout.write(_("Dry run, nothing saved: %(rows)s rows; %(created)s would be created, %(skipped)s "
                                "already imported, %(bad)s bad.") % summary)
            if result.errors and not options["good_rows_only"]:
                raise CommandError(_("Fix the bad rows, or import with --good-rows-only to leave them out."))
        elif result.committed:
            self.stdout.write(self.style.SUCCESS(
                _("Imported: %(rows)s rows; %(created)s created, %(skipped)s already imported, %(bad)s bad rows "
                  "left out.") % summary))
        else:
            raise CommandError(_("Nothing was imported: %(bad)s of %(rows)s rows are bad. Fix them, or import with "
                                 "--good-rows-only to leave them out.") % summary)

    def _progress(self, done: int, total: int) -> None:
        if done == total or done % 100 == 0:
            self.stdout.write(f"\r{done}/{total}", ending="")
            self.stdout.flush()
