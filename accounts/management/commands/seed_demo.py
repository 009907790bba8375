"""Build the demo city (orgs.demo) through the services, or bring an existing one up to date.

Rows are matched by their stable keys (unit code, department code, username), so a second run
writes nothing, and a run after orgs.demo changed updates only what changed. The command lives in
accounts, not orgs, because it makes staff accounts as well as the org network (orgs is below accounts).
"""

import unicodedata
from collections import Counter
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserKind
from accounts.services import staff_save
from core.errors import DomainError
from orgs import demo
from orgs.models import Department, Level, Membership, Role, Unit, UnitKind
from orgs.selectors import unit_counts_by_level
from orgs.services import department_save, membership_grant, unit_save

COUNTY_KINDS = {"区": UnitKind.DISTRICT, "县": UnitKind.COUNTY, "市": UnitKind.COUNTY_CITY}
TOWNSHIP_KINDS = {"街道": UnitKind.SUBDISTRICT, "镇": UnitKind.TOWN, "乡": UnitKind.TOWNSHIP}
VILLAGE_KINDS = {"社区": UnitKind.COMMUNITY, "村": UnitKind.VILLAGE}
CHANGE_LABELS = {
    "units created": gettext_lazy("units created"),
    "units updated": gettext_lazy("units updated"),
    "departments created": gettext_lazy("departments created"),
    "departments updated": gettext_lazy("departments updated"),
    "staff created": gettext_lazy("staff accounts created"),
    "staff updated": gettext_lazy("staff accounts updated"),
    "roles granted": gettext_lazy("roles granted"),
}


def kind_by_suffix(name: str, kinds: dict) -> str:
    for suffix, kind in kinds.items():
        if name.endswith(suffix):
            return kind
    raise CommandError(f"orgs.demo: cannot tell the type of “{name}” from its name")


def coordinate(value) -> Decimal | None:
    return None if value is None else Decimal(str(value)).quantize(Decimal("0.000001"))


def display_width(text: str) -> int:
    """Columns a terminal gives ``text``: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[list[str]]) -> str:
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell + " " * (width - display_width(cell)) for cell, width in zip(row, widths, strict=True)]
        lines.append("  " + "  ".join(cells).rstrip())
        if number == 0:
            lines.append("  " + "  ".join("-" * width for width in widths))
    return "\n".join(lines)


class DemoBuilder:
    """Walks orgs.demo and creates or updates each row through its service, as ``actor``."""

    def __init__(self, actor):
        self.actor = actor
        self.units = {unit.code: unit for unit in Unit.objects.select_related("parent")}
        self.departments = {department.code: department for department in Department.objects.all()}
        self.users = {user.username: user for user in User.objects.filter(username__in=[s[0] for s in demo.STAFF])}
        self.memberships = set(Membership.objects.values_list("user_id", "role", "unit_id", "department_id"))
        self.changes = Counter()
        self._password_hash = None

    def build(self):
        city = self.unit(code=demo.CITY["code"], name=demo.CITY["name"], short_name=demo.CITY["short_name"],
                         level=Level.CITY, kind=UnitKind.CITY, parent=None,
                         lat=demo.CITY["lat"], lng=demo.CITY["lng"])
        self.government_departments(city, city_level=True)
        for county_data in demo.COUNTIES:
            county = self.unit(
                code=county_data["code"] + "000000", name=county_data["name"],
                short_name=county_data["short_name"], level=Level.COUNTY,
                kind=kind_by_suffix(county_data["name"], COUNTY_KINDS), parent=city,
                lat=county_data["lat"], lng=county_data["lng"],
            )
            self.government_departments(county, city_level=False, stem=county_data["short_name"])
            for township_code, township_name, villages in county_data["townships"]:
                township = self.unit(
                    code=county_data["code"] + township_code + "000", name=county_data["name"] + township_name,
                    short_name=township_name, level=Level.TOWNSHIP,
                    kind=kind_by_suffix(township_name, TOWNSHIP_KINDS), parent=county,
                )
                for village_code, village_name, *grids in villages:
                    village = self.unit(
                        code=township.code[:9] + village_code, name=village_name, short_name="",
                        level=Level.VILLAGE, kind=kind_by_suffix(village_name, VILLAGE_KINDS), parent=township,
                    )
                    for grid_code, grid_name in grids[0] if grids else ():
                        self.unit(code=village.code + grid_code, name=village_name + grid_name,
                                  short_name=grid_name, level=Level.GRID, kind=UnitKind.GRID, parent=village)
        for username, display_name, role, place, phone in demo.STAFF:
            user = self.staff(username=username, display_name=display_name, phone=phone)
            self.grant(user, role, place)

    def unit(self, *, code, name, short_name, level, kind, parent, lat=None, lng=None) -> Unit:
        wanted = {"name": name, "short_name": short_name, "level": level, "kind": kind,
                  "parent_id": parent.pk if parent else None}
        if lat is not None:  # coordinates given here win; others (set by hand in the admin) are kept
            wanted.update(latitude=coordinate(lat), longitude=coordinate(lng))
        unit = self.units.get(code)
        if unit is not None and all(getattr(unit, field) == value for field, value in wanted.items()):
            return unit
        self.changes["units updated" if unit else "units created"] += 1
        unit = unit or Unit(code=code)
        for field, value in wanted.items():
            setattr(unit, field, value)
        unit.parent = parent
        self.units[code] = unit_save(actor=self.actor, unit=unit)
        return unit

    def government_departments(self, unit: Unit, *, city_level: bool, stem: str = ""):
        prefix = unit.code[:4] if city_level else unit.code[:6]
        for spec in demo.DEPARTMENTS:
            name, short_name = (template.format(unit=unit.name, stem=stem or unit.name)
                                for template in spec["city" if city_level else "county"])
            self.department(code=f"{prefix}-{spec['code']}", unit=unit, kind=spec["kind"], name=name,
                            short_name=short_name)

    def department(self, *, code, unit, kind, name, short_name) -> Department:
        wanted = {"unit_id": unit.pk, "kind": kind, "name": name, "short_name": short_name}
        department = self.departments.get(code)
        if department is not None and all(getattr(department, f) == v for f, v in wanted.items()):
            return department
        self.changes["departments updated" if department else "departments created"] += 1
        department = department or Department(code=code)
        for field, value in wanted.items():
            setattr(department, field, value)
        department.unit = unit
        self.departments[code] = department_save(actor=self.actor, department=department)
        return department

    @property
    def password_hash(self) -> str:
        # Hashed once: hashing per account would make the run take seconds per dozen accounts.
        if self._password_hash is None:
            self._password_hash = make_password(demo.DEMO_PASSWORD)
        return self._password_hash

    def staff(self, *, username, display_name, phone) -> User:
        user = self.users.get(username)
        if user is None:
            user = User(username=username, display_name=display_name, password=self.password_hash)
            self.changes["staff created"] += 1
        elif user.display_name != display_name or (phone and user.phone != phone) or user.kind != UserKind.STAFF:
            # An existing account keeps its password: someone may have changed it on purpose.
            user.display_name = display_name
            self.changes["staff updated"] += 1
        else:
            return user
        self.users[username] = staff_save(actor=self.actor, user=user, phone=phone or None)
        return user

    def grant(self, user: User, role: str, place: str):
        if place in self.units:
            unit, department = self.units[place], None
        elif place in self.departments:
            unit, department = None, self.departments[place]
        else:
            raise CommandError(f"orgs.demo: {user.username}'s place “{place}” is neither a unit nor a department code")
        key = (user.pk, role, unit.pk if unit else None, department.pk if department else None)
        if key not in self.memberships:
            membership_grant(actor=self.actor, user=user, role=role, unit=unit, department=department)
            self.memberships.add(key)
            self.changes["roles granted"] += 1


class Command(BaseCommand):
    help = (
        "Build the demo city 晋中市 (units, departments, staff in every role) from orgs/demo.py. "
        "Idempotent: a second run changes nothing. Refuses to run with DEBUG off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true",
                            help="Build only when the database has no unit yet; otherwise skip.")
        parser.add_argument("--force", action="store_true",
                            help="Run even with DEBUG off. The demo accounts share a published password.")

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["force"]:
            raise CommandError(_(
                "Refusing to build the demo city with DEBUG off: it creates accounts with a published "
                "password. Run it on a development machine (DEBUG=1), or pass --force if you really mean it."
            ))
        if options["if_empty"] and Unit.objects.exists():
            self.stdout.write(_("Skipped the demo city: the database already has units."))
            if User.objects.filter(username__in=[s[0] for s in demo.STAFF]).exists():
                self.write_logins()
            return
        try:
            with transaction.atomic():
                builder = DemoBuilder(self.superuser())
                builder.build()
        except DomainError as exc:
            raise CommandError(_("The demo city could not be built: %(reason)s") % {"reason": exc.message}) from exc
        changes = ", ".join(f"{CHANGE_LABELS[what]} {count}" for what, count in sorted(builder.changes.items()))
        self.stdout.write(self.style.SUCCESS(
            _("Demo city ready (%(changes)s).") % {"changes": changes or _("already up to date, nothing changed")}
        ))
        self.write_summary()
        self.write_logins()

    def superuser(self) -> User:
        """The system superuser the demo is built as: found, or created with the demo password."""
        username = demo.SUPERUSER["username"]
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, display_name=demo.SUPERUSER["display_name"], is_superuser=True,
                        is_staff=True, password=make_password(demo.DEMO_PASSWORD))
            # The superuser creates itself through the staff service, so the audit trail shows it.
            return staff_save(actor=user, user=user)
        if not (user.is_superuser and user.is_active):
            raise CommandError(_(
                "The user “%(username)s” exists but is not an active superuser; the demo is built as that "
                "superuser. Rename that account or make it a superuser."
            ) % {"username": username})
        return user

    def write_summary(self):
        counts = unit_counts_by_level(Unit.objects.all())
        rows = [[_("Level"), _("Units")]]
        rows += [[str(label), str(counts[level])] for level, label in Level.choices]
        rows.append([_("Departments"), str(Department.objects.filter(is_active=True).count())])
        staff = User.objects.filter(kind=UserKind.STAFF, memberships__isnull=False).distinct().count()
        rows.append([_("Staff with a role"), str(staff)])
        rows.append([_("Roles held"), str(Membership.objects.count())])
        self.stdout.write("")
        self.stdout.write(table(rows))

    def write_logins(self):
        places = {username: (role, place) for username, _name, role, place, _phone in demo.STAFF}
        users = {u.username: u for u in User.objects.filter(username__in=demo.FEATURED_LOGINS, is_active=True)}
        units = {u.code: u for u in Unit.objects.filter(code__in=[place for _role, place in places.values()])}
        departments = {d.code: d for d in Department.objects.filter(code__in=[p for _r, p in places.values()])}
        rows = [[_("Username"), _("Role"), _("Place"), _("Name")]]
        superuser = User.objects.filter(username=demo.SUPERUSER["username"], is_superuser=True).first()
        if superuser:
            rows.append([superuser.username, _("Superuser (Django admin)"), "—", superuser.display_name])
        for username in demo.FEATURED_LOGINS:
            if username not in users:
                continue
            role, place = places[username]
            where = departments[place].display_short if place in departments else units.get(place, place)
            rows.append([username, str(Role(role).label), str(where), users[username].display_name])
        self.stdout.write("")
        self.stdout.write(_("Demo logins (a few per role; every demo account has the same password):"))
        self.stdout.write(table(rows))
        self.stdout.write("")
        self.stdout.write(_("Password for all demo accounts: %(password)s") % {"password": demo.DEMO_PASSWORD})
