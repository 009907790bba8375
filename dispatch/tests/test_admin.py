"""The dispatch admin: a wrong training example is deleted, singly or in bulk, through the service,
which audits each one; anyone but a city administrator (or superuser) is refused and nothing changes."""

import pytest
from django.urls import reverse

from conftest import make_staff
from core.errors import NotAllowed
from core.models import AuditEvent
from dispatch.models import ExampleSource, TrainingExample
from dispatch.services import training_example_record, training_examples_delete
from orgs.models import Role

CHANGELIST = reverse("admin:dispatch_trainingexample_changelist")


@pytest.fixture
def examples(cast):
    return [training_example_record(actor=cast.root, text=text, label=label, source=ExampleSource.IMPORT,
                                    reference=f"import:{n}")
            for n, (text, label) in enumerate([("路灯坏了", "城乡建设"), ("测试消息", "卫生计生"),
                                               ("医院排队太久", "卫生计生")])]


@pytest.fixture
def city_admin(cast):
    return make_staff("city_admin", (Role.ADMIN, cast.city), root=cast.root)


def test_deleting_one_example_in_the_admin_is_audited(client, cast, examples):
    wrong = examples[1]
    client.force_login(cast.root)
    response = client.post(reverse("admin:dispatch_trainingexample_delete", args=[wrong.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert set(TrainingExample.objects.values_list("pk", flat=True)) == {examples[0].pk, examples[2].pk}
    event = AuditEvent.objects.get(verb="dispatch.example.delete")
    assert (event.actor, event.target_id) == (cast.root, str(wrong.pk))
    assert event.data == {"label": "卫生计生", "source": "import", "reference": "import:1", "predicted_label": ""}


def test_the_bulk_delete_action_audits_every_example(client, cast, examples, city_admin):
    client.force_login(city_admin)
    response = client.post(CHANGELIST, {"action": "delete_selected", "post": "yes",
                                        "_selected_action": [examples[0].pk, examples[1].pk]})
    assert response.status_code == 302
    assert list(TrainingExample.objects.values_list("pk", flat=True)) == [examples[2].pk]
    events = AuditEvent.objects.filter(verb="dispatch.example.delete")
    assert {e.target_id for e in events} == {str(examples[0].pk), str(examples[1].pk)}
    assert {e.actor for e in events} == {city_admin}


def test_a_county_administrator_may_not_delete_examples(client, cast, examples):
    client.force_login(cast.admin)
    assert cast.admin.is_staff
    one = client.post(reverse("admin:dispatch_trainingexample_delete", args=[examples[0].pk]), {"post": "yes"})
    bulk = client.post(CHANGELIST, {"action": "delete_selected", "post": "yes",
                                    "_selected_action": [e.pk for e in examples]})
    assert one.status_code == 403 and bulk.status_code == 403
    assert TrainingExample.objects.count() == 3
    assert not AuditEvent.objects.filter(verb="dispatch.example.delete").exists()


def test_the_service_refuses_anyone_but_a_city_administrator(cast, examples):
    with pytest.raises(NotAllowed):
        training_examples_delete(actor=cast.admin, examples=TrainingExample.objects.all())
    with pytest.raises(NotAllowed):
        training_examples_delete(actor=cast.dispatcher, examples=[examples[0]])
    assert TrainingExample.objects.count() == 3
    assert not AuditEvent.objects.filter(verb="dispatch.example.delete").exists()
