"""Read-only org network for API clients, limited to the caller's scope."""

from ninja import Router, Schema

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


@router.get("/units", response=list[UnitOut], summary="Units in the caller's scope")
def list_units(request):
    return [
        UnitOut(code=u.code, name=u.name, short_name=u.short_name, level=u.level, kind=u.kind,
                parent_code=u.parent.code if u.parent_id else None)
        for u in units_visible_to(request.user).select_related("parent")
    ]


@router.get("/departments", response=list[DepartmentOut], summary="Departments in the caller's scope")
def list_departments(request):
    return [
        DepartmentOut(code=d.code, name=d.name, short_name=d.short_name, kind=d.kind, unit_code=d.unit.code)
        for d in departments_visible_to(request.user)
    ]
