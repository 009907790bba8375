"""Read-only org network for API clients, limited to the caller's scope: a person's (token or
session) or an organisation's API key's, which the scope rule answers for alike (``request.auth``)."""

from ninja import Router, Schema

from orgs.selectors import Purpose, departments_visible_to, units_visible_to

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


def _units(request):
    # Purpose.ANY: a key lists the places it works in, whether it may read there, file there or both.
    return units_visible_to(request.auth, purpose=Purpose.ANY)


def _departments(request):
    return departments_visible_to(request.auth, purpose=Purpose.ANY)


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
