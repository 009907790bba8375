"""Reads for Open311: the service list, service definitions, and appeals as public service requests.

A *service* is an active appeal category; a deployment without categories offers the appeal types
instead. A category does not say whether a demand is a complaint, a request for help or a
suggestion, so its services carry one required attribute, ``appeal_type`` (``metadata`` true).

Everything a request document holds is public, so it is built here from fields that carry no
personal data, and free text goes through ``serializers.public_text``:

- ``service_request_id`` is the appeal's database id, never its tracking code: the code is the
  secret that opens the resident's tracking page;
- ``address`` is the name path of the place the appeal concerns, coarsened to the community or
  village (a grid becomes its community), never the address the resident typed;
- ``lat``/``long`` are that place's centroid when it is a community, village or township with
  coordinates; otherwise the submitted point rounded to 3 decimals (about 100 m); otherwise the
  coarser place's centroid.
"""

from dataclasses import dataclass, field
from datetime import datetime
from math import cos, radians

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appeals.models import FINAL_STATES, OPEN_STATES, Appeal, AppealType, Category, State
from appeals.selectors import appeals_visible_to
from open311.serializers import public_text, public_url, w3_datetime
from orgs.models import Level, Unit

MAX_REQUESTS = 1000
DEFAULT_DAYS = 90
TYPE_ATTRIBUTE = "appeal_type"
# Finer states as status_notes, in the language of the request (Accept-Language), without codes.
STATE_NOTES = {
    State.TO_DISPATCH: gettext_lazy("Waiting to be dispatched"),
    State.TO_ACCEPT: gettext_lazy("Dispatched, waiting to be accepted"),
    State.HANDLING: gettext_lazy("Being handled"),
    State.REPLIED: gettext_lazy("Replied, waiting for the resident's rating"),
    State.CLOSED: gettext_lazy("Closed"),
    State.REJECTED: gettext_lazy("Not accepted"),
    State.MERGED: gettext_lazy("Merged with another request on the same matter"),
    State.WITHDRAWN: gettext_lazy("Withdrawn by the resident"),
}
# Never public unless settings.OPEN311_PUBLISH_REFUSED: demands refused (spam, abuse, outside the
# government's remit) and those the resident withdrew. A key that may read its units sees them all.
UNPUBLISHED_STATES = (State.REJECTED, State.WITHDRAWN)
COARSE_LEVELS = (Level.VILLAGE, Level.TOWNSHIP)
# How far from a community's or township's centroid a submitted point may be and still be placed there.
NEAR_KM = {Level.VILLAGE: 3.0, Level.TOWNSHIP: 10.0}


# --- services -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AttributeDef:
    code: str
    datatype: str
    required: bool
    description: str
    order: int
    values: tuple = ()  # (key, name) pairs for the list datatypes
    datatype_description: str | None = None
    variable: bool = True


@dataclass(frozen=True)
class Service:
    code: str
    name: str
    description: str
    group: str = ""
    keywords: str = ""
    category: Category | None = None
    appeal_type: str | None = None
    attributes: tuple = field(default=())

    @property
    def metadata(self) -> bool:
        return bool(self.attributes)


def _type_attribute() -> AttributeDef:
    return AttributeDef(
        code=TYPE_ATTRIBUTE, datatype="singlevaluelist", required=True, order=1,
        description=_("What kind of demand is this? (诉求类型)"),
        values=tuple((value, str(label)) for value, label in AppealType.choices),
    )


def services_catalogue() -> list[Service]:
    categories = list(Category.objects.filter(is_active=True).select_related("parent").order_by("code"))
    if categories:
        attributes = (_type_attribute(),)
        return [
            Service(code=c.code, name=c.name, category=c, attributes=attributes,
                    group=c.parent.name if c.parent_id else "",
                    description=_("Demands about %(name)s; default urgency: %(urgency)s.")
                    % {"name": c.name, "urgency": c.get_urgency_display()})
            for c in categories
        ]
    return [Service(code=value, name=str(label), description=str(label), appeal_type=value)
            for value, label in AppealType.choices]


def service_by_code(code: str) -> Service | None:
    return next((s for s in services_catalogue() if s.code == code), None)


def known_service_codes(codes: list[str]) -> set[str]:
    """Which of ``codes`` name a service an appeal may be listed under (inactive categories too:
    old appeals keep theirs; appeals without a category go by their type)."""
    known = set(Category.objects.filter(code__in=codes).values_list("code", flat=True))
    return known | (set(codes) & set(AppealType.values))


def service_document(service: Service) -> dict:
    return {
        "service_code": service.code,
        "service_name": service.name,
        "description": service.description,
        "metadata": service.metadata,
        "type": "realtime",
        "keywords": service.keywords,
        "group": service.group,
    }


def definition_document(service: Service) -> dict:
    return {
        "service_code": service.code,
        "attributes": [
            {
                "variable": a.variable,
                "code": a.code,
                "datatype": a.datatype,
                "required": a.required,
                "datatype_description": a.datatype_description,
                "order": a.order,
                "description": a.description,
                "values": [{"key": key, "name": name} for key, name in a.values],
            }
            for a in service.attributes
        ],
    }


# --- places -----------------------------------------------------------------------------------------

def unit_by_code(code: str) -> Unit | None:
    return Unit.objects.filter(code=(code or "").strip(), is_active=True).first()


def _distance_km(lat1, lon1, lat2, lon2) -> float:
    # An equirectangular approximation: exact enough within a city.
    x = radians(lon2 - lon1) * cos(radians((lat1 + lat2) / 2))
    y = radians(lat2 - lat1)
    return 6371.0 * (x * x + y * y) ** 0.5


def unit_near(lat: float, lon: float) -> Unit | None:
    """The community or village whose centroid is nearest the point (within 3 km), else the nearest
    township (within 10 km), else None."""
    for level in COARSE_LEVELS:
        best, best_km = None, NEAR_KM[level]
        for unit in Unit.objects.filter(level=level, is_active=True, latitude__isnull=False):
            km = _distance_km(lat, lon, float(unit.latitude), float(unit.longitude))
            if km <= best_km:
                best, best_km = unit, km
        if best is not None:
            return best
    return None


def unit_named_in(text: str, address: str) -> Unit | None:
    from dispatch.places import find_places

    found = find_places(text, address)
    return found[0] if found else None


def key_home_unit(api_key) -> Unit | None:
    """The one unit a key is scoped to, if it has exactly one: where its requests go when they say
    nothing more precise about the place."""
    units = list(api_key.units.all())
    return units[0] if len(units) == 1 else None


def place_for(*, api_key, description: str, address: str, latitude: float | None,
              longitude: float | None) -> Unit:
    """Where a request without an address_id belongs: a place its description or address names, else
    the community or township nearest its point, else the key's own unit, else the whole city."""
    place = unit_named_in(description, address) if (address or description) else None
    if place is None and latitude is not None:
        place = unit_near(latitude, longitude)
    if place is None:
        place = key_home_unit(api_key)
    if place is None:
        from appeals.services import default_place

        place = default_place()
    return place


def _coarse_codes(unit: Unit) -> list[str]:
    """The codes of ``unit``'s path, from the city down, stopping at the community or village."""
    codes = unit.ancestors_and_self_codes()
    return codes[:-1] if unit.level == Level.GRID else codes


def _name_path(units: list[Unit]) -> str:
    """榆次区 + 榆次区北关街道 + 顺城社区 → "榆次区北关街道顺城社区": below the city, each name once."""
    below_city = [u for u in units if u.level != Level.CITY] or units
    text = ""
    for unit in below_city:
        text = unit.name if unit.name.startswith(text) else text + unit.name
    return text


# --- requests ---------------------------------------------------------------------------------------

def public_requests(*, ids: list[int] | None = None, codes: list[str] | None = None,
                    start: datetime | None = None, end: datetime | None = None,
                    statuses: list[str] | None = None, api_key=None) -> QuerySet[Appeal]:
    """Appeals as the public request list: by ``ids`` alone when given (the spec: it overrides the
    rest), else by service codes, received between ``start`` and ``end``, open/closed; newest first,
    at most ``MAX_REQUESTS``. With ``api_key``, only what the key may read (appeals_visible_to);
    without, what a government publishes: neither refused nor withdrawn demands, unless the
    deployment says otherwise (settings.OPEN311_PUBLISH_REFUSED)."""
    if api_key is not None:
        base = appeals_visible_to(api_key)
    elif settings.OPEN311_PUBLISH_REFUSED:
        base = Appeal.objects.all()
    else:
        base = Appeal.objects.exclude(state__in=UNPUBLISHED_STATES)
    qs = base.select_related("category", "place", "assigned_department", "assigned_unit", "resident", "open311")
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    else:
        if codes:
            qs = qs.filter(Q(category__code__in=codes) | Q(category__isnull=True, appeal_type__in=codes))
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        if statuses and set(statuses) != {"open", "closed"}:
            qs = qs.filter(state__in=OPEN_STATES if "open" in statuses else FINAL_STATES)
    return qs.order_by("-created_at", "-id")[:MAX_REQUESTS]


def _units_for(appeals) -> dict[str, Unit]:
    codes = {code for appeal in appeals for code in _coarse_codes(appeal.place)}
    return {unit.code: unit for unit in Unit.objects.filter(code__in=codes)}


def _location(appeal: Appeal, place: Unit) -> tuple[float | None, float | None]:
    if place.level in COARSE_LEVELS and place.latitude is not None:
        return float(place.latitude), float(place.longitude)
    if appeal.latitude is not None and appeal.longitude is not None:
        return round(float(appeal.latitude), 3), round(float(appeal.longitude), 3)
    if place.latitude is not None:
        return float(place.latitude), float(place.longitude)
    return None, None


def _submission(appeal: Appeal):
    try:
        return appeal.open311
    except Appeal.open311.RelatedObjectDoesNotExist:
        return None


def request_document(appeal: Appeal, units: dict[str, Unit]) -> dict:
    path = [units[code] for code in _coarse_codes(appeal.place) if code in units] or [appeal.place]
    place = path[-1]
    lat, lon = _location(appeal, place)
    names = [appeal.contact_name]
    if appeal.resident_id:
        names += [appeal.resident.display_name, appeal.resident.get_full_name()]
    assignee = appeal.assigned_department or appeal.assigned_unit
    closed = appeal.state in FINAL_STATES
    submission = _submission(appeal)
    return {
        "service_request_id": str(appeal.pk),
        "status": "closed" if closed else "open",
        "status_notes": str(STATE_NOTES[appeal.state]),
        "service_name": appeal.category.name if appeal.category_id else appeal.get_appeal_type_display(),
        "service_code": appeal.category.code if appeal.category_id else appeal.appeal_type,
        "description": public_text(appeal.description, names=names, addresses=[appeal.address]),
        "agency_responsible": assignee.name if assignee else None,
        "service_notice": None,
        "requested_datetime": w3_datetime(appeal.created_at),
        "updated_datetime": w3_datetime((appeal.closed_at if closed else None) or appeal.updated_at),
        "expected_datetime": w3_datetime(appeal.due_at),
        "address": _name_path(path),
        "address_id": place.code,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": public_url(submission.media_url) if submission else None,
    }


def request_documents(appeals) -> list[dict]:
    appeals = list(appeals)
    units = _units_for(appeals)
    return [request_document(appeal, units) for appeal in appeals]
