"""Issue an API key for an integrating organisation from the command line (deployment scripts, CI);
the admin does the same for people. The key is printed once and never stored in the clear."""

from django.core.management.base import BaseCommand, CommandError

from accounts.apikeys import apikey_issue
from accounts.models import User
from core.errors import DomainError
from orgs.models import Unit


class Command(BaseCommand):
    help = "Issue an API key for an organisation, scoped to units (each with the units below it)."

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="The organisation the key is for.")
        parser.add_argument("--unit", action="append", required=True, metavar="CODE",
                            help="Division code of a unit the key may work in; repeat for several.")
        parser.add_argument("--read-only", action="store_true", help="The key may read appeals but not create them.")
        parser.add_argument("--by", metavar="USERNAME",
                            help="The superuser issuing it (audit trail); default: the first active superuser.")
        parser.add_argument("--print", action="store_true", dest="bare",
                            help="Print only the key, for scripts.")

    def handle(self, *args, org, unit, read_only, by, bare, **options):
        actors = User.objects.filter(is_superuser=True, is_active=True).order_by("pk")
        actor = actors.filter(username=by).first() if by else actors.first()
        if actor is None:
            raise CommandError(f"No active superuser {by!r}." if by else "No active superuser to issue the key as.")
        units = list(Unit.objects.filter(code__in=unit, is_active=True))
        missing = sorted(set(unit) - {u.code for u in units})
        if missing:
            raise CommandError(f"No active unit has the code {', '.join(missing)}.")
        try:
            key, raw = apikey_issue(actor=actor, organisation=org, units=units, may_create=not read_only)
        except DomainError as exc:
            raise CommandError(str(exc.message)) from None
        if bare:
            self.stdout.write(raw)
        else:
            self.stdout.write(f"API key {key.prefix}… for {key.organisation} (shown only now): {raw}")
