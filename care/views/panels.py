"""What care adds to other apps' pages: on a demand's staff page, the visit that filed it."""

from django.template.loader import render_to_string

from care import permissions, selectors


def visit_panel(request, appeal) -> str:
    """The way back from a demand to the visit and the person it came from; "" when there is none. The
    person is named masked, and linked only for those who may open their record."""
    visit = selectors.visit_for_appeal(appeal)
    if visit is None:
        return ""
    return render_to_string("care/panel_visit.html", {
        "visit": visit, "person": visit.person,
        "may_open": permissions.may_see(request.user, visit.person),
    }, request=request)


def need_panel(request, appeal) -> str:
    """The way back from a demand a responsible person filed from a person's record; "" when there is none."""
    need = selectors.need_for_appeal(appeal)
    if need is None:
        return ""
    return render_to_string("care/panel_need.html", {
        "need": need, "person": need.person, "may_open": permissions.may_see(request.user, need.person),
    }, request=request)
