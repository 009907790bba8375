"""What dispatchers and handlers decide becomes training data: corrections of the platform's
proposal at once, and the department that finally handled an appeal when it closes."""

import pytest

from appeals.models import Satisfaction, State
from appeals.services import (
    appeal_accept,
    appeal_dispatch,
    appeal_rate,
    appeal_reassign,
    appeal_reply,
    appeal_return,
)
from conftest import new_appeal
from core.models import AuditEvent
from dispatch.models import ExampleSource, TrainingExample
from dispatch.services import classifier_train
from dispatch.tests.conftest import fixture_texts_labels

STREETLIGHT = {"title": "小区路灯坏了", "description": "顺城社区门口的路灯坏了一个月，打13800138000找我。"}


pytestmark = pytest.mark.usefixtures("policy")


@pytest.fixture
def model(cast):
    texts, labels = fixture_texts_labels()
    return classifier_train(actor=cast.root, texts=texts, labels=labels, trained_on="fixture", activate=True)


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a step and what listens to its events after the commit, as in production."""

    def run(step, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return step(*args, **kwargs)

    return run


def examples():
    return list(TrainingExample.objects.order_by("pk"))


def close(cast, commit, appeal, handler):
    commit(appeal_accept, actor=handler, appeal=appeal)
    commit(appeal_reply, actor=handler, appeal=appeal, text="已维修。")
    commit(appeal_rate, actor=cast.resident, appeal=appeal, satisfaction=Satisfaction.SATISFIED)
    assert appeal.state == State.CLOSED


def test_dispatching_elsewhere_than_the_suggestion_is_a_correction(cast, commit, model, settings):
    settings.DISPATCH_AUTO = False  # the platform suggests 住建局; the dispatcher knows better
    appeal = commit(new_appeal, cast, **STREETLIGHT)
    assert examples() == []

    commit(appeal_dispatch, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)

    [example] = examples()
    assert example.source == ExampleSource.CORRECTION and example.reference == f"appeal:{appeal.pk}"
    assert example.label == cast.yuci_health.code and example.predicted_label == cast.yuci_housing.code
    assert example.classifier_version == model and example.created_by == cast.dispatcher
    assert "路灯" in example.text and "13800138000" not in example.text  # analysis form: numbers masked
    assert AuditEvent.objects.filter(verb="dispatch.correction", actor=cast.dispatcher).exists()


def test_agreeing_with_the_suggestion_is_learnt_when_the_appeal_closes(cast, commit, model, settings):
    settings.DISPATCH_AUTO = False
    appeal = commit(new_appeal, cast, **STREETLIGHT)
    commit(appeal_dispatch, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    assert examples() == []  # nothing the model does not already know

    close(cast, commit, appeal, cast.handler_b)
    [example] = examples()
    assert example.source == ExampleSource.CLOSED and example.label == cast.yuci_housing.code


def test_reassigning_an_automatic_dispatch_corrects_the_model_and_closing_keeps_the_final_department(
        cast, commit, model):
    appeal = commit(new_appeal, cast, **STREETLIGHT)
    assert appeal.assigned_department == cast.yuci_housing  # dispatched automatically …
    assert examples() == []  # … which is not a person's word

    commit(appeal_reassign, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    [correction] = examples()
    assert correction.source == ExampleSource.CORRECTION and correction.label == cast.yuci_health.code
    assert correction.predicted_label == cast.yuci_housing.code and correction.classifier_version == model

    close(cast, commit, appeal, cast.handler_a)
    [final] = examples()  # the later record replaced the earlier one for this appeal
    assert final.source == ExampleSource.CLOSED and final.label == cast.yuci_health.code
    assert final.predicted_label == cast.yuci_housing.code and final.classifier_version == model


def test_a_return_drops_the_label_it_contradicts_and_the_next_dispatch_corrects_it(cast, commit, model, settings):
    settings.DISPATCH_AUTO = False
    appeal = commit(new_appeal, cast, **STREETLIGHT)
    commit(appeal_dispatch, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    assert [e.label for e in examples()] == [cast.yuci_health.code]

    commit(appeal_return, actor=cast.handler_a, appeal=appeal, reason="路灯不归卫健局管")
    assert examples() == []

    commit(appeal_dispatch, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    [example] = examples()
    assert example.source == ExampleSource.CORRECTION and example.label == cast.yuci_housing.code
    assert example.predicted_label == cast.yuci_health.code  # the department that sent it back


def test_without_any_suggestion_a_dispatchers_choice_is_recorded(cast, commit):
    appeal = commit(new_appeal, cast, **STREETLIGHT)  # no model, no catalogue: the platform had nothing
    commit(appeal_dispatch, actor=cast.dispatcher, appeal=appeal, target=cast.yuci_housing)
    [example] = examples()
    assert example.source == ExampleSource.CORRECTION and example.label == cast.yuci_housing.code
    assert example.predicted_label == "" and example.classifier_version is None


def test_a_closed_appeal_that_was_dispatched_automatically_becomes_an_example(cast, commit, model):
    appeal = commit(new_appeal, cast, **STREETLIGHT)
    close(cast, commit, appeal, cast.handler_b)
    [example] = examples()
    assert example.source == ExampleSource.CLOSED and example.label == cast.yuci_housing.code
    assert example.predicted_label == cast.yuci_housing.code and example.classifier_version == model


def test_learning_waits_for_the_commit(cast, model, settings):
    """Without a commit (the step rolled back, or is still running) nothing is recorded."""
    settings.DISPATCH_AUTO = False
    appeal = new_appeal(cast, **STREETLIGHT)
    appeal_dispatch(actor=cast.dispatcher, appeal=appeal, target=cast.yuci_health)
    assert examples() == []
