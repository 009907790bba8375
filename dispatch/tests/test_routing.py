"""Routing at intake: dispatched automatically when the platform is sure, otherwise left to a
dispatcher with the reason and ranked suggestions; never lost, whatever the model does."""

import time

import pytest
from django.urls import reverse

from appeals.models import Action, State
from conftest import new_appeal
from dispatch import classifier as clf
from dispatch import routing
from dispatch.models import CatalogueEntry, ClassifierVersion
from dispatch.services import catalogue_entry_save, classifier_activate, classifier_train
from dispatch.tests.conftest import fixture_texts_labels

STREETLIGHT = {"title": "小区路灯坏了", "description": "顺城社区门口的路灯坏了一个月，晚上走路很黑。"}
PANEL = 'class="card suggestions-panel"'
STREETLIGHT_TRADITIONAL = {"title": "小區路燈壞了", "description": "順城社區門口的路燈壞了一個月，晚上走路很黑。"}


pytestmark = pytest.mark.usefixtures("policy")


def sure_model(cast):
    """The fixture's three categories (城乡建设, 卫生计生, 劳动和社会保障), calibrated by cross-validation."""
    texts, labels = fixture_texts_labels()
    return classifier_train(actor=cast.root, texts=texts, labels=labels, trained_on="fixture", activate=True)


def unsure_model(cast):
    """The same model with its probabilities flattened: it ranks alike but is never sure."""
    texts, labels = fixture_texts_labels()
    model, metrics = clf.train(texts, labels, folds=3)
    model.temperature = 1.0
    blob = model.dumps()
    version = ClassifierVersion.objects.create(version=1, trained_on="fixture, flattened", n_samples=len(texts),
                                               labels=model.labels, metrics=metrics, model=blob,
                                               model_sha256=clf.fingerprint(blob))
    return classifier_activate(actor=cast.root, version=version)


def catalogue(cast, phrase, department, weight=1.0):
    return catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase=phrase, department=department,
                                                                      weight=weight))


def routing_event(appeal):
    return appeal.events.exclude(action=Action.CREATE).get()


def test_a_sure_prediction_is_dispatched_automatically(cast):
    sure_model(cast)
    appeal = new_appeal(cast, **STREETLIGHT)

    assert appeal.state == State.TO_ACCEPT
    assert appeal.assigned_department == cast.yuci_housing  # 城乡建设 → housing, in the place's county
    assert appeal.accept_due_at and appeal.due_at  # the clocks run as for a person's dispatch
    event = routing_event(appeal)
    assert event.action == Action.DISPATCH and event.actor is None and event.actor_label == "auto"
    assert event.data["auto"] is True and event.data["model_version"] == 1
    assert event.data["confidence"] >= 0.85 and event.data["source"] == "model"
    assert "路灯" in event.data["reasons"] and "路灯" in event.note


def test_below_the_threshold_the_dispatcher_sees_ranked_suggestions(cast, client, english):
    unsure_model(cast)
    appeal = new_appeal(cast, **STREETLIGHT)

    assert appeal.state == State.TO_DISPATCH and appeal.assigned_department is None
    note = routing_event(appeal)
    assert note.action == Action.ADD_INFO and note.actor_label == "auto" and not note.public
    assert note.data["routing"] == "below_threshold"
    assert note.data["suggestions"][0]["department_id"] == cast.yuci_housing.pk
    assert note.data["suggestions"][0]["confidence"] < 0.85
    assert "below the 85%" in note.note

    client.force_login(cast.dispatcher)
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert PANEL in page
    top = page.index("榆次区住房和城乡建设局", page.index(PANEL))
    assert page.index("榆次区卫生健康局", top) > top  # ranked: housing first, health after
    assert '<mark class="reason">路灯</mark>' in page  # the words that drove the prediction
    assert f'name="dispatch-target" value="d:{cast.yuci_housing.pk}"' in page

    # One click dispatches through the ordinary dispatch action, as the dispatcher.
    response = client.post(reverse("appeals:staff_act", args=[appeal.code, "dispatch"]),
                           {"dispatch-target": f"d:{cast.yuci_housing.pk}", "dispatch-note": ""})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert appeal.state == State.TO_ACCEPT and appeal.assigned_department == cast.yuci_housing
    dispatched = appeal.events.get(action=Action.DISPATCH)
    assert dispatched.actor == cast.dispatcher and "auto" not in dispatched.data
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert PANEL not in page  # nothing left to dispatch


def test_the_panel_is_only_for_those_who_may_dispatch(cast, client, english):
    unsure_model(cast)
    appeal = new_appeal(cast, **STREETLIGHT)
    client.force_login(cast.city_supervisor)  # sees the appeal, may not dispatch it
    page = client.get(reverse("appeals:staff_detail", args=[appeal.code])).content.decode()
    assert appeal.title in page and PANEL not in page


def test_traditional_and_simplified_forms_route_the_same(cast):
    sure_model(cast)
    simplified = new_appeal(cast, **STREETLIGHT)
    traditional = new_appeal(cast, **STREETLIGHT_TRADITIONAL)

    assert traditional.assigned_department == simplified.assigned_department == cast.yuci_housing
    a, b = routing_event(simplified).data, routing_event(traditional).data
    assert a["confidence"] == b["confidence"] and a["reasons"] == b["reasons"]


def test_a_router_that_raises_leaves_the_appeal_waiting_and_says_why(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("model server gone")

    monkeypatch.setattr(routing, "suggest", broken)
    appeal = new_appeal(cast, **STREETLIGHT)

    appeal.refresh_from_db()
    assert appeal.state == State.TO_DISPATCH and appeal.events.filter(action=Action.CREATE).exists()
    event = routing_event(appeal)
    assert event.action == Action.ADD_INFO and event.actor_label == "auto" and not event.public
    assert event.data["routing_error"] == "model server gone" and "RuntimeError" in event.note


def test_a_broken_model_sends_the_appeal_to_the_manual_queue(cast):
    catalogue(cast, "路灯", cast.yuci_housing, weight=10)  # sure enough on its own (cold start) …
    ClassifierVersion.objects.create(version=1, trained_on="damaged", n_samples=30, labels=[], model=b"not a model",
                                     model_sha256="0" * 64, is_active=True)
    appeal = new_appeal(cast, **STREETLIGHT)

    # … but with the active model unreadable, no machine decides: a person does.
    assert appeal.state == State.TO_DISPATCH
    note = routing_event(appeal)
    assert note.data["routing"] == "model_failed" and "unreadable" in note.data["model_status"]
    assert note.data["suggestions"][0]["department_id"] == cast.yuci_housing.pk  # still offered


def test_a_slow_prediction_counts_as_a_failure(cast, monkeypatch, settings):
    sure_model(cast)
    settings.DISPATCH_ROUTE_SECONDS = 0.05
    real_suggest = routing.suggest

    def slow(*args, **kwargs):
        time.sleep(0.1)
        return real_suggest(*args, **kwargs)

    monkeypatch.setattr(routing, "suggest", slow)
    appeal = new_appeal(cast, **STREETLIGHT)

    assert appeal.state == State.TO_DISPATCH
    note = routing_event(appeal)
    assert note.data["routing"] == "slow" and note.data["milliseconds"] >= 100


def test_switched_off_automatic_dispatch_only_suggests(cast, settings):
    sure_model(cast)
    settings.DISPATCH_AUTO = False
    appeal = new_appeal(cast, **STREETLIGHT)
    assert appeal.state == State.TO_DISPATCH
    assert routing_event(appeal).data["routing"] == "auto_off"


def test_catalogue_only_cold_start_dispatches_to_the_catalogues_department(cast):
    catalogue(cast, "路灯", cast.yuci_health)  # a weak phrase for another department
    catalogue(cast, "路灯坏了", cast.yuci_housing, weight=10)
    appeal = new_appeal(cast, **STREETLIGHT)

    assert appeal.state == State.TO_ACCEPT and appeal.assigned_department == cast.yuci_housing
    event = routing_event(appeal)
    assert event.actor_label == "auto" and event.data["source"] == "catalogue"
    assert event.data["model_version"] is None and "路灯坏了" in event.data["reasons"]


def test_nothing_set_up_means_the_appeal_simply_waits(cast):
    appeal = new_appeal(cast, **STREETLIGHT)
    assert appeal.state == State.TO_DISPATCH
    assert list(appeal.events.values_list("action", flat=True)) == [Action.CREATE]


def test_a_category_no_department_of_the_place_handles_waits_with_the_reason(cast):
    sure_model(cast)
    appeal = new_appeal(cast, title="公司拖欠工资", description="公司拖欠工资三个月，也不缴社保。")
    assert appeal.state == State.TO_DISPATCH  # 劳动和社会保障 → 人社局, and 榆次区 has none in this cast
    note = routing_event(appeal)
    assert note.data["routing"] == "no_department" and "劳动和社会保障" in note.note


def test_a_place_named_in_the_text_routes_to_its_countys_department(cast):
    sure_model(cast)
    appeal = new_appeal(cast, place=None, title="卫生院看病排队太久",
                        description="明星镇卫生院医生态度差，看病排队要三个小时。")

    assert appeal.assigned_department == cast.taigu_health  # 明星镇 is in 太谷区
    assert appeal.place == cast.city  # the resident's choice is kept; the found place is a hint
    event = routing_event(appeal)
    assert event.data["place_found"] == {"id": cast.mingxing.pk, "name": "明星镇"}
    assert "明星镇" in event.note

    # Without a place in the text, the city's own department handles a city-wide appeal.
    other = new_appeal(cast, place=None, title="医院看病排队太久", description="医院看病排队要三个小时，医生态度差。")
    assert other.assigned_department == cast.city_health


def test_a_place_outside_the_residents_choice_does_not_override_it(cast):
    sure_model(cast)
    appeal = new_appeal(cast, place=cast.community, title="医院看病排队太久",
                        description="在明星镇卫生院看病排队要三个小时，医生态度差。")
    assert appeal.assigned_department == cast.yuci_health  # the resident chose 顺城社区, in 榆次区
    assert "place_found" not in routing_event(appeal).data


def test_a_failing_panel_never_takes_the_appeal_page_down(cast, client):
    from appeals import extensions

    def broken(request, appeal):
        raise RuntimeError("panel bug")

    unsure_model(cast)
    appeal = new_appeal(cast, **STREETLIGHT)
    extensions.register_panel("test.broken", broken)
    try:
        client.force_login(cast.dispatcher)
        response = client.get(reverse("appeals:staff_detail", args=[appeal.code]))
    finally:
        extensions.unregister_panel("test.broken")
    assert response.status_code == 200 and PANEL in response.content.decode()
