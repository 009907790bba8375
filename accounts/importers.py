"""Staff accounts and their roles from .xlsx (see core.xlsx): one row per role held; several rows for
one username add roles to the same account. Saved through accounts.services.staff_save and
orgs.services.membership_grant with the importing administrator as actor."""

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User, UserKind
from accounts.permissions import may_manage_account
from accounts.services import normalize_phone, staff_save
from core.crypto import mask_phone
from core.errors import BadInput
from core.xlsx import ChoiceReader, Column, Importer, Row, code_text
from orgs.models import Department, Membership, Role, Unit
from orgs.selectors import memberships_visible_to
from orgs.services import membership_grant

ROLE_ALIASES = {
    Role.GRID_WORKER: ["网格员", "社区工作者", "网格员/社区工作者"],
    Role.HANDLER: ["承办人", "承办员"],
    Role.DISPATCHER: ["派单员"],
    Role.SUPERVISOR: ["督办员"],
    Role.LEADER: ["领导"],
    Role.ADMIN: ["系统管理员", "管理员"],
}
USERNAME = re.compile(r"^[\w.@+-]{3,150}$")


def staff_visible_to(actor):
    """Accounts an administrator sees in the admin: anyone holding a role in their scope, and staff
    who hold no role yet (so a new account can be given one). Superusers are shown to superusers only."""
    if actor.is_superuser:
        return User.objects.all()
    in_scope = memberships_visible_to(actor, roles=[Role.ADMIN]).values("user_id")
    unassigned = Q(kind=UserKind.STAFF) & ~Exists(Membership.objects.filter(user=OuterRef("pk")))
    return User.objects.filter(Q(pk__in=in_scope) | unassigned).exclude(is_superuser=True)


def staff_columns():
    return (
        Column("username", gettext_lazy("Username"), required=True, max_length=150, example="zhangsan",
               help=gettext_lazy("3–150 letters, digits or . @ + - _. Several rows with one username give "
                                 "the account several roles. An existing username updates that account.")),
        Column("display_name", gettext_lazy("Display name"), max_length=50, example="张三"),
        Column("phone", gettext_lazy("Mobile phone"), text_format=True, example="13800138000",
               help=gettext_lazy("11-digit mainland mobile number. A masked number from an export "
                                 "(138****8000) leaves the number on file unchanged.")),
        Column("unit_code", gettext_lazy("Unit division code"), max_length=15, text_format=True,
               example="140702001000",
               help=gettext_lazy("Where the role is held: a unit's division code, or else a department code.")),
        Column("department_code", gettext_lazy("Department code"), max_length=40, example=""),
        Column("role", gettext_lazy("Role"), required=True, example="网格员",
               help=gettext_lazy("The role, as the code or the name.")),
        Column("password", gettext_lazy("Initial password"), import_only=True,
               help=gettext_lazy("Optional. Without it a new account cannot sign in until an "
                                 "administrator sets a password.")),
        Column("place", gettext_lazy("Unit or department"), export_only=True, width=24),
        Column("kind", gettext_lazy("Kind"), export_only=True, width=8),
        Column("is_active", gettext_lazy("Active"), export_only=True, width=8),
    )


class StaffImporter(Importer):
    noun = gettext_lazy("role held by a staff member")
    sheet_title = gettext_lazy("Staff")
    columns = staff_columns()
    outcome_labels = {
        "created": gettext_lazy("new accounts"),
        "updated": gettext_lazy("roles for existing accounts"),
    }

    def begin(self, rows):
        self.roles = ChoiceReader(Role, ROLE_ALIASES)
        self.first_row = {}  # username → the row that sets the account's details
        self.details = {}  # username → (display name, phone, password) as first given

    def instructions(self):
        return [(_("Roles"), ChoiceReader(Role).allowed())]

    def prepare(self, row: Row) -> None:
        username = row.get("username")
        if username and not USERNAME.match(username):
            row.error("username", _("The username must be 3–150 letters, digits or . @ + - _."))
        role = self.roles.read(row.get("role"))
        if role is None and row.get("role"):
            row.error("role", _("“%(value)s” is not a role; use one of: %(allowed)s.") % {
                "value": row.get("role"), "allowed": self.roles.allowed()})
        unit = department = None
        unit_code, department_code = code_text(row.get("unit_code")), row.get("department_code").strip()
        if unit_code and department_code:
            row.error("department_code", _("Give the unit code or the department code, not both."))
        elif unit_code:
            unit = Unit.objects.filter(code=unit_code).first()
            if unit is None:
                row.error("unit_code", _("No unit has the division code %(code)s.") % {"code": unit_code})
        elif department_code:
            department = Department.objects.filter(code=department_code).first()
            if department is None:
                row.error("department_code", _("No department has the code %(code)s.") % {"code": department_code})
        else:
            row.error("unit_code", _("Give the unit code or the department code where the role is held."))

        phone = None
        raw_phone = row.get("phone")
        if raw_phone and "*" not in raw_phone:
            try:
                phone = normalize_phone(raw_phone)
            except BadInput as exc:
                row.error("phone", exc.message)
        details = (row.get("display_name"), phone or "", row.get("password"))
        first = self.first_row.get(username)
        if first is not None:
            for key, given, earlier in zip(("display_name", "phone", "password"), details,
                                           self.details[username], strict=True):
                if given and earlier and given != earlier:
                    row.error(key, _("Differs from row %(row)s for the same username.") % {"row": first})
        user = User.objects.filter(username=username).first()
        if user is not None and first is None:
            if user.kind != UserKind.STAFF:
                row.error("username", _("%(username)s is a resident's account.") % {"username": username})
            elif not may_manage_account(self.actor, user):
                row.error("username", _("The account %(username)s holds roles outside your scope.")
                          % {"username": username})
        password = row.get("password")
        if password and first is None:
            try:
                validate_password(password, user or User(username=username, display_name=row.get("display_name")))
            except ValidationError as exc:
                for message in exc.messages:
                    row.error("password", message)
        if row.errors:
            return
        if first is None:
            self.first_row[username] = row.number
            self.details[username] = details
        row.data.update(username=username, role=role, unit=unit, department=department, phone=phone,
                        display_name=row.get("display_name"), password=password, first=first is None)

    def apply_row(self, row: Row) -> str:
        data = row.data
        user = User.objects.filter(username=data["username"]).first()
        outcome = "created" if user is None else "updated"
        user = user or User(username=data["username"], kind=UserKind.STAFF)
        changed = user.pk is None or bool(data["phone"] or data["password"])
        if data["display_name"] and data["display_name"] != user.display_name:
            user.display_name, changed = data["display_name"], True
        if data["role"] == Role.ADMIN and not user.is_staff:
            user.is_staff, changed = True, True  # so the new administrator can use the admin
        if changed:
            staff_save(actor=self.actor, user=user, password=data["password"] or None,
                       phone=data["phone"] if data["phone"] else None)
        membership_grant(actor=self.actor, user=user, role=data["role"], unit=data["unit"],
                         department=data["department"])
        return outcome


def _staff_row(user, membership=None):
    row = {
        "username": user.username, "display_name": user.display_name, "phone": mask_phone(user.phone),
        "kind": user.get_kind_display(), "is_active": _("yes") if user.is_active else _("no"),
    }
    if membership is not None:
        row.update(
            unit_code=membership.unit.code if membership.unit_id else "",
            department_code=membership.department.code if membership.department_id else "",
            role=membership.get_role_display(),
            place=str(membership.place),
        )
    return row


def staff_export_rows(users, *, memberships=None):
    """One row per role held (an account without a role gets one row). ``memberships`` limits the
    roles listed to those the exporting administrator may see."""
    for user in users.prefetch_related("memberships__unit", "memberships__department"):
        held = [m for m in user.memberships.all() if memberships is None or m.pk in memberships]
        if not held:
            yield _staff_row(user)
        for membership in held:
            yield _staff_row(user, membership)


def membership_export_rows(memberships):
    for membership in memberships.select_related("user", "unit", "department"):
        yield _staff_row(membership.user, membership)
