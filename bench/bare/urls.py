"""POST /bare/appeals/: the place looked up by its code, one appeal row and one event row written in a
transaction, the tracking code answered. No authentication, no rate limit, no idempotency, no
encryption, no routing, no validation beyond the schema: the floor the platform's intake is compared
with."""

import secrets

from django.db import transaction
from django.urls import path
from django.utils import timezone
from ninja import NinjaAPI, Schema

from appeals.models import Action, Appeal, AppealEvent, Channel, State
from orgs.models import Unit

api = NinjaAPI(urls_namespace="bare", docs_url=None, openapi_url=None)


class BareIn(Schema):
    type: str
    title: str
    description: str
    place_code: str
    external_id: str = ""


@api.post("/appeals/", response={201: dict})
def create(request, payload: BareIn):
    place = Unit.objects.get(code=payload.place_code)
    with transaction.atomic():
        now = timezone.now()
        appeal = Appeal.objects.create(
            code=secrets.token_hex(6).upper(), appeal_type=payload.type, title=payload.title,
            description=payload.description, place=place, channel=Channel.API, external_id=payload.external_id,
            created_at=now)
        AppealEvent.objects.create(appeal=appeal, created_at=now, action=Action.CREATE, to_state=State.TO_DISPATCH,
                                   data={"channel": Channel.API})
    return 201, {"code": appeal.code}


@api.get("/up")
def up(request):
    return {"up": True}


urlpatterns = [path("bare/", api.urls)]
