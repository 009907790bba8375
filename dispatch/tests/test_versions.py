"""Versioned models: training stores a version, activation (and so rollback) is audited, one is active."""

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from core.errors import NotAllowed
from core.models import AuditEvent
from dispatch import selectors
from dispatch.models import ClassifierVersion, ExampleSource, TrainingExample
from dispatch.services import classifier_activate, classifier_retrain, classifier_train, training_example_record
from dispatch.tests.conftest import fixture_texts_labels


def train_version(actor, *, activate=True, drop_label=None):
    texts, labels = fixture_texts_labels()
    pairs = [(t, lab) for t, lab in zip(texts, labels, strict=True) if lab != drop_label]
    return classifier_train(actor=actor, texts=[t for t, _ in pairs], labels=[lab for _, lab in pairs],
                            trained_on="fixture", activate=activate)


def test_training_stores_a_version_with_its_metrics(cast):
    version = train_version(cast.root, activate=False)
    assert version.version == 1 and not version.is_active
    assert version.n_samples == 30 and set(version.labels) == {"城乡建设", "卫生计生", "劳动和社会保障"}
    assert version.metrics["cv_folds"] >= 2 and "per_class" in version.metrics
    assert AuditEvent.objects.filter(verb="dispatch.classifier.train", target_id=str(version.pk)).exists()
    assert selectors.active_model() is None  # stored, not yet routing


def test_rollback_in_the_admin_reactivates_an_older_version(cast, client):
    first = train_version(cast.root)
    second = train_version(cast.root, drop_label="卫生计生")  # a worse model: it forgot a category
    assert selectors.active_model().version == 2
    assert selectors.suggest("医院看病排队太久")[0].label != "卫生计生"

    client.force_login(cast.root)
    response = client.post(reverse("admin:dispatch_classifierversion_changelist"),
                           {"action": "activate_version", "_selected_action": [first.pk]})
    assert response.status_code == 302
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.is_active and not second.is_active
    event = AuditEvent.objects.filter(verb="dispatch.classifier.activate").first()
    assert event.target_id == str(first.pk) and event.data == {"previous": 2, "version": 1} and event.actor == cast.root
    # The process reloads the newly active version at once.
    assert selectors.active_model().version == 1
    assert selectors.suggest("医院看病排队太久")[0].label == "卫生计生"


def test_only_city_administrators_may_activate(cast):
    version = train_version(cast.root, activate=False)
    with pytest.raises(NotAllowed):
        classifier_activate(actor=cast.admin, version=version)  # an administrator of one county
    with pytest.raises(NotAllowed):
        train_version(cast.dispatcher)


def test_the_database_allows_one_active_version(cast):
    train_version(cast.root)
    second = train_version(cast.root, activate=False)
    with pytest.raises(IntegrityError), transaction.atomic():
        ClassifierVersion.objects.filter(pk=second.pk).update(is_active=True)


def test_an_unreadable_model_leaves_routing_to_the_catalogue_and_says_why(cast):
    version = train_version(cast.root)
    ClassifierVersion.objects.filter(pk=version.pk).update(model=b"broken")
    selectors.forget_model()
    selectors._cache.models.clear()
    assert selectors.suggest("小区路灯坏了") == []
    assert "unreadable" in selectors.model_status()


def test_corrections_become_training_data_for_the_next_version(cast):
    texts, labels = fixture_texts_labels()
    for n, (text, label) in enumerate(zip(texts, labels, strict=True)):
        training_example_record(actor=cast.root, text=f"{text} 联系电话13812345678", label=label,
                                source=ExampleSource.IMPORT, reference=f"import:{n}")
    correction = training_example_record(actor=cast.dispatcher, text="醫院門口違停車輛太多", label="卫生计生",
                                         source=ExampleSource.CORRECTION, reference="appeal:7",
                                         predicted_label="城乡建设")
    assert correction.text == "医院门口违停车辆太多"  # the analysis form: simplified
    assert not TrainingExample.objects.filter(text__contains="13812345678").exists()
    assert AuditEvent.objects.filter(verb="dispatch.correction", actor=cast.dispatcher).exists()
    # A second word on the same appeal replaces the first.
    training_example_record(actor=cast.dispatcher, text="医院门口违停车辆太多", label="城乡建设",
                            source=ExampleSource.CORRECTION, reference="appeal:7")
    assert TrainingExample.objects.filter(reference="appeal:7").get().label == "城乡建设"

    version = classifier_retrain()
    assert version.n_samples == 31 and version.is_active
    assert selectors.active_model().version == version.version


def test_retraining_waits_for_enough_examples(cast):
    training_example_record(actor=cast.root, text="路灯坏了", label="城乡建设", source=ExampleSource.IMPORT)
    assert classifier_retrain() is None
    assert not ClassifierVersion.objects.exists()


def test_the_retraining_task_runs(cast, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    from dispatch.tasks import retrain_classifier

    texts, labels = fixture_texts_labels()
    for text, label in zip(texts, labels, strict=True):
        training_example_record(actor=None, text=text, label=label, source=ExampleSource.IMPORT)
    result = retrain_classifier.enqueue()
    assert result.return_value == 1
    assert ClassifierVersion.objects.get(version=1).is_active


def test_admin_pages_show_versions_and_the_catalogue(cast, client):
    version = train_version(cast.root)
    client.force_login(cast.root)
    page = client.get(reverse("admin:dispatch_classifierversion_change", args=[version.pk]))
    assert page.status_code == 200 and "劳动和社会保障" in page.content.decode()
    # The cross-validated figures per category, as a table (it once failed and showed "—").
    row = version.metrics["per_class"]["劳动和社会保障"]
    assert f"<td>劳动和社会保障</td><td>{row['precision']:.3f}</td><td>{row['recall']:.3f}</td>" in page.content.decode()
    from dispatch.models import CatalogueEntry
    from dispatch.services import catalogue_entry_save

    catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase="家庭医生", label="health"))
    catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase="路灯", label="城乡建设"))
    listing = client.get(reverse("admin:dispatch_catalogueentry_changelist"), {"label": "health"}).content.decode()
    assert "家庭医生" in listing and "路灯" not in listing.split("result_list")[1]
    assert "卫健" in listing and ">health<" not in listing  # the department type as people read it
    assert client.get(reverse("admin:dispatch_catalogueentry_xlsx_import")).status_code == 200
    assert client.get(reverse("admin:dispatch_trainingexample_changelist")).status_code == 200
    client.force_login(cast.handler_a)
    assert client.get(reverse("admin:dispatch_classifierversion_changelist")).status_code in (302, 403)
