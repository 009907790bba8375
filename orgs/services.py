"""Writes to the org network. Each checks the actor's permission, validates against the tree's
rules, saves, and records an audit event, in one transaction."""

from django.db import transaction
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import BadInput, NotAllowed
from orgs.models import (
    GRID_CODE,
    KIND_LEVEL,
    PARENT_LEVEL,
    STATISTICAL_CODE,
    Department,
    Level,
    Membership,
    Role,
    Unit,
)
from orgs.permissions import may_administer_department, may_administer_unit


def unit_validate(unit: Unit) -> list[str]:
    """Every reason ``unit`` cannot be saved as it is, in the user's language."""
    errors = []
    level = unit.level
    if level not in Level.values:
        return [_("Unknown level “%(level)s”.") % {"level": level}]
    if unit.kind and KIND_LEVEL.get(unit.kind) != level:
        errors.append(_("Type “%(kind)s” does not belong to the level “%(level)s”.") % {
            "kind": unit.get_kind_display(), "level": unit.get_level_display()})
    pattern = GRID_CODE if level == Level.GRID else STATISTICAL_CODE
    if not pattern.match(unit.code or ""):
        if level == Level.GRID:
            errors.append(_("A grid's code is its community's 12-digit code plus 3 digits; got “%(code)s”.")
                          % {"code": unit.code})
        else:
            errors.append(_("The division code must be 12 digits; got “%(code)s”.") % {"code": unit.code})
    if not (unit.name or "").strip():
        errors.append(_("The name is required."))
    expected_parent = PARENT_LEVEL[level]
    parent = unit.parent
    if expected_parent is None and parent is not None:
        errors.append(_("A city has no parent unit."))
    if expected_parent is not None:
        if parent is None:
            errors.append(_("A unit at this level needs a parent unit."))
        elif parent.level != expected_parent:
            errors.append(_("The parent of a “%(level)s” must be a “%(parent)s”, not a “%(actual)s”.") % {
                "level": unit.get_level_display(), "parent": Level(expected_parent).label,
                "actual": parent.get_level_display()})
        elif unit.pk and parent.path.startswith(unit.path or "\0"):
            errors.append(_("A unit cannot be moved below itself."))
        elif level == Level.GRID and unit.code and not unit.code.startswith(parent.code):
            errors.append(_("A grid's code must start with its community's code %(code)s.") % {"code": parent.code})
    if (unit.latitude is None) != (unit.longitude is None):
        errors.append(_("Give both latitude and longitude, or neither."))
    return errors


@transaction.atomic
def unit_save(*, actor, unit: Unit) -> Unit:
    """Create or update a unit; moving it or changing its code re-paths its whole subtree."""
    previous = Unit.objects.filter(pk=unit.pk).first() if unit.pk else None
    if previous is not None and not may_administer_unit(actor, previous):
        raise NotAllowed(_("You may not change units outside your scope."))
    if (previous is None or previous.parent_id != unit.parent_id) and not may_administer_unit(actor, unit.parent):
        raise NotAllowed(_("You may not place a unit under a unit outside your scope."))
    errors = unit_validate(unit)
    if errors:
        raise BadInput("; ".join(errors), details=errors)
    unit.name = unit.name.strip()
    unit.short_name = (unit.short_name or "").strip()
    old_path = previous.path if previous else None
    unit.path = (unit.parent.path if unit.parent else "") + unit.code + "/"
    unit.save()
    if old_path and old_path != unit.path:
        for descendant in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
            descendant.path = unit.path + descendant.path[len(old_path):]
            descendant.save(update_fields=["path"])
    audit_record(actor=actor, verb="unit.update" if previous else "unit.create", target=unit,
                 data={"code": unit.code, "parent": unit.parent.code if unit.parent else None})
    return unit


def department_validate(department: Department) -> list[str]:
    errors = []
    if not department.unit_id:
        errors.append(_("A department belongs to a unit."))
    elif department.unit.level not in (Level.CITY, Level.COUNTY):
        errors.append(_("Departments exist at city and county level only; “%(unit)s” is a %(level)s.") % {
            "unit": department.unit.name, "level": department.unit.get_level_display()})
    if not (department.name or "").strip():
        errors.append(_("The name is required."))
    if not (department.code or "").strip():
        errors.append(_("The code is required."))
    return errors


@transaction.atomic
def department_save(*, actor, department: Department) -> Department:
    errors = department_validate(department)
    if errors:
        raise BadInput("; ".join(errors), details=errors)
    if not may_administer_unit(actor, department.unit):
        raise NotAllowed(_("You may not change departments outside your scope."))
    if department.pk:
        previous = Department.objects.select_related("unit").get(pk=department.pk)
        if not may_administer_department(actor, previous):
            raise NotAllowed(_("You may not change departments outside your scope."))
    creating = department.pk is None
    department.save()
    audit_record(actor=actor, verb="department.create" if creating else "department.update", target=department,
                 data={"code": department.code, "unit": department.unit.code})
    return department


def _may_grant(actor, membership: Membership) -> bool:
    if membership.department_id:
        return may_administer_department(actor, membership.department)
    return may_administer_unit(actor, membership.unit)


@transaction.atomic
def membership_grant(*, actor, user, role: str, unit: Unit | None = None, department: Department | None = None):
    if (unit is None) == (department is None):
        raise BadInput(_("A role is held in exactly one unit or one department."))
    membership = Membership(user=user, role=role, unit=unit, department=department)
    if not _may_grant(actor, membership):
        raise NotAllowed(_("You may not grant roles outside your scope."))
    existing = Membership.objects.filter(user=user, role=role, unit=unit, department=department).first()
    if existing:
        return existing
    membership.save()
    user.__dict__.pop("_minsheng_memberships", None)
    _sync_admin_access(user)
    audit_record(actor=actor, verb="membership.grant", target=membership,
                 data={"user": user.get_username(), "role": role})
    return membership


@transaction.atomic
def membership_revoke(*, actor, membership: Membership) -> None:
    if not _may_grant(actor, membership):
        raise NotAllowed(_("You may not revoke roles outside your scope."))
    audit_record(actor=actor, verb="membership.revoke", target=membership,
                 data={"user": membership.user.get_username(), "role": membership.role})
    membership.delete()
    membership.user.__dict__.pop("_minsheng_memberships", None)
    _sync_admin_access(membership.user)


def _sync_admin_access(user) -> None:
    """Administrators, and only they (and superusers), may open the Django admin."""
    wanted = user.is_superuser or Membership.objects.filter(user=user, role=Role.ADMIN).exists()
    if user.is_staff != wanted:
        user.is_staff = wanted
        user.save(update_fields=["is_staff"])
