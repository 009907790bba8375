"""Read-only org network for API clients, limited to the caller's scope."""

from django.db.models import Q
from ninja import Router, Schema

from accounts.apikeys import key_unit_paths, request_api_key
from orgs.models import Department, Unit
from orgs.selectors import departments_visible_to, units_visible_to

router = Router(tags=["orgs"])


class UnitOut(Schema):
    code: str
    name: str
    short_name: str
    level: str
    kind: str
    parent_code: str | None


class DepartmentOut(Schema):
    code: str
    name: str
    short_name: str
    kind: str
    unit_code: str


def _key_subtrees(request, field: str) -> Q | None:
    """For an organisation's API key (no person, so no memberships): its units and those below them.
    None for a person's token or session."""
    key = request_api_key(request)
    if key is None:
        return None
    q = Q(pk__in=[])
    for path in key_unit_paths(key):
        q |= Q(**{f"{field}__startswith": path})
    return q


def _units(request):
    q = _key_subtrees(request, "path")
    return units_visible_to(request.user) if q is None else Unit.objects.filter(q)


def _departments(request):
    q = _key_subtrees(request, "unit__path")
    return departments_visible_to(request.user) if q is None else Department.objects.filter(q).select_related("unit")


@router.get("/units", response=list[UnitOut], summary="Units in the caller's scope",
            description="A person's token: the units of their memberships and those below. An organisation's "
            "API key: the units it was issued for and those below (the places it may file appeals for).")
def list_units(request):
    return [
        UnitOut(code=u.code, name=u.name, short_name=u.short_name, level=u.level, kind=u.kind,
                parent_code=u.parent.code if u.parent_id else None)
        for u in _units(request).select_related("parent").order_by("path")
    ]


@router.get("/departments", response=list[DepartmentOut], summary="Departments in the caller's scope")
def list_departments(request):
    return [
        DepartmentOut(code=d.code, name=d.name, short_name=d.short_name, kind=d.kind, unit_code=d.unit.code)
        for d in _departments(request).order_by("unit__path", "code")
    ]
