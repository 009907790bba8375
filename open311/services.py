"""Writes of Open311: a client's service request becomes an appeal through the intake service, filed
by the organisation's API key as its actor (so the appeal's CREATE event names the key), with what
the spec carries beyond the appeal kept beside it (Open311Submission), in one transaction."""

from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from appeals.models import Appeal, AppealType, Channel
from appeals.permissions import KeyMayNotCreate
from appeals.services import MAX_TITLE, Intake, appeal_create
from core.errors import NotAllowed
from open311 import selectors
from open311.models import Open311Submission
from open311.selectors import Service
from orgs.models import Unit

TITLE_LENGTH = 40


@dataclass
class ServiceRequest:
    """A POST requests.{fmt} as the view parsed and checked it (location, attributes, lengths)."""

    service: Service
    description: str = ""
    place: Unit | None = None  # the address_id's unit, when the client sent one
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None
    contact_name: str = ""
    phone: str = ""
    email: str = ""
    media_url: str = ""
    jurisdiction_id: str = ""
    device_id: str = ""
    account_id: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _title(description: str, service_name: str) -> str:
    first_line = next((line.strip() for line in description.splitlines() if line.strip()), "")
    if not first_line:
        return service_name[:MAX_TITLE]
    return first_line if len(first_line) <= TITLE_LENGTH else first_line[: TITLE_LENGTH - 1] + "…"


def open311_request_submit(*, api_key, request: ServiceRequest) -> Appeal:
    """File ``request`` as ``api_key``'s organisation: the place inferred when the client did not name
    one, the appeal created by the intake service (which checks the key may file there), and the
    submission kept beside it."""
    service = request.service
    place = request.place or selectors.place_for(api_key=api_key, description=request.description,
                                                 address=request.address, latitude=request.latitude,
                                                 longitude=request.longitude)
    text = request.description or service.name
    appeal_type = service.appeal_type or (request.attributes.get(selectors.TYPE_ATTRIBUTE) or [AppealType.HELP])[0]
    data = Intake(
        title=_title(text, service.name),
        description=text,
        appeal_type=appeal_type,
        channel=Channel.OPEN311,
        place=place,
        address=request.address,
        latitude=request.latitude,
        longitude=request.longitude,
        contact_name=request.contact_name,
        contact_phone=request.phone,
        category=service.category,
    )
    with transaction.atomic():
        try:
            appeal = appeal_create(actor=api_key, data=data)
        except KeyMayNotCreate as exc:
            raise NotAllowed(_("This api_key may not submit service requests for %(place)s.")
                             % {"place": exc.place.name}) from None
        Open311Submission.objects.create(
            appeal=appeal,
            api_key_id=api_key.pk,
            organisation=str(api_key.organisation or "")[:200],
            jurisdiction_id=request.jurisdiction_id[:100],
            service_code=service.code,
            media_url=request.media_url,
            email=request.email[:254],
            device_id=request.device_id[:100],
            account_id=request.account_id[:100],
            attributes=request.attributes,
        )
    return appeal
