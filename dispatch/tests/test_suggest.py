"""The responsibility catalogue alone (cold start), then combined with a model."""

import io

import pytest
from openpyxl import Workbook

from conftest import make_department
from core.errors import BadInput, NotAllowed
from core.models import AuditEvent
from dispatch import selectors
from dispatch.catalogue import CatalogueImporter
from dispatch.models import CatalogueEntry
from dispatch.selectors import model_status, suggest
from dispatch.services import catalogue_entry_save, classifier_train
from dispatch.tests.conftest import fixture_texts_labels, routed


def entry(cast, phrase, department=None, label="", weight=1.0):
    return catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase=phrase, department=department,
                                                                      label=label, weight=weight))


def test_cold_start_the_catalogue_alone_suggests_departments(cast):
    entry(cast, "路灯", cast.yuci_housing)
    entry(cast, "医院", cast.yuci_health)
    entry(cast, "看病", cast.yuci_health)

    assert model_status() == "no model"
    suggestions = suggest("我們小區的路燈壞了")  # traditional text, simplified catalogue
    assert [s.department for s in suggestions] == [cast.yuci_housing]
    top = suggestions[0]
    assert top.source == "catalogue" and top.reasons == ("路灯",) and 0 < top.confidence < 1

    ranked = suggest("去医院看病排队太久，门口路灯也不亮")
    assert [s.department for s in ranked] == [cast.yuci_health, cast.yuci_housing]
    assert set(ranked[0].reasons) == {"医院", "看病"}


def test_nothing_matched_means_no_suggestion(cast):
    entry(cast, "路灯", cast.yuci_housing)
    assert suggest("邻居家的狗太吵了") == []


def test_the_place_keeps_departments_to_its_own_county(cast):
    entry(cast, "医院", cast.yuci_health)
    entry(cast, "医院", cast.taigu_health)
    assert [s.department for s in suggest("医院排队太久", unit=cast.village)] == [cast.taigu_health]
    assert [s.department for s in suggest("医院排队太久", unit=cast.community)] == [cast.yuci_health]
    # Nearer beats higher up: the county's department, not the city's, for a place in the county.
    entry(cast, "医院", cast.city_health)
    assert [s.department for s in suggest("医院排队太久", unit=cast.community)] == [cast.yuci_health]


def test_catalogue_and_model_are_combined_once_a_model_is_active(cast):
    entry(cast, "路灯", cast.yuci_housing, label="城乡建设")
    texts, labels = fixture_texts_labels()
    classifier_train(actor=cast.root, texts=texts, labels=labels, trained_on="fixture", activate=True)

    top = suggest("小区路灯坏了一个月，晚上很黑", k=3)
    assert top[0].label == "城乡建设" and top[0].source == "combined"
    assert top[0].department == cast.yuci_housing and top[0].model_version == 1
    assert top[0].reasons[0] == "路灯"  # the catalogue phrase first, then the model's words
    assert [s.source for s in top[1:]] == ["model", "model"]
    assert top[0].confidence > top[1].confidence
    # Agreement never lowers confidence: the catalogue's partial evidence does not dilute the model.
    model_alone = selectors.active_model().classifier.top("小区路灯坏了一个月，晚上很黑", k=1)[0]
    assert model_alone.label == "城乡建设" and top[0].confidence >= model_alone.confidence

    model_only = suggest("公司拖欠工资不缴社保")
    assert model_only[0].label == "劳动和社会保障" and model_only[0].source == "model"


def test_a_handler_may_not_edit_the_catalogue(cast):
    with pytest.raises(NotAllowed):
        catalogue_entry_save(actor=cast.handler_a, entry=CatalogueEntry(phrase="路灯", department=cast.yuci_housing))


def test_an_entry_needs_a_target_and_a_real_phrase(cast):
    with pytest.raises(BadInput):
        catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase="路灯"))
    with pytest.raises(BadInput):
        catalogue_entry_save(actor=cast.root, entry=CatalogueEntry(phrase="灯", label="城乡建设"))


def test_saving_an_entry_is_audited(cast):
    saved = entry(cast, "噪音", cast.yuci_housing)
    assert AuditEvent.objects.filter(verb="dispatch.catalogue.create", target_id=str(saved.pk)).exists()


def catalogue_file(*rows):
    workbook = Workbook()
    workbook.active.append([str(c.label) for c in CatalogueImporter.columns])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer


def test_the_catalogue_imports_from_xlsx(cast):
    good = catalogue_file(["路灯不亮", "140702-housing", "", "", ""],
                          ["看病难", "榆次区卫生健康局", "卫生计生", "2", "按名称指定部门"])
    report = CatalogueImporter(actor=cast.root).run(good, commit=True)
    assert report.ok and report.committed and report.outcomes["created"] == 2
    assert CatalogueEntry.objects.get(phrase="看病难").department == cast.yuci_health
    assert suggest("这里看病难的问题")[0].department == cast.yuci_health

    bad = catalogue_file(["垃圾", "no-such-dept", "", "", ""], ["噪音", "", "", "-1", ""])
    report = CatalogueImporter(actor=cast.root).run(bad, commit=True)
    assert not report.committed and {e.row for e in report.errors} == {2, 3}
    assert not CatalogueEntry.objects.filter(phrase="垃圾").exists()


def test_a_catalogue_names_a_department_type_as_a_list_writes_it(cast):
    """A city-wide 权责清单 says "家庭医生 → 卫健", not which county's bureau: the entry means the health
    department serving the appeal's place, in simplified or traditional writing."""
    report = CatalogueImporter(actor=cast.root).run(
        catalogue_file(["家庭医生", "", "卫健", "", ""], ["挂号难", "", "衛健", "", ""], ["路灯", "", "城乡建设", "", ""]),
        commit=True)
    assert report.ok and report.committed
    assert dict(CatalogueEntry.objects.values_list("phrase", "label")) == {
        "家庭医生": "health", "挂号难": "health", "路灯": "城乡建设"}  # a category stays a category

    for place, health in ((cast.village, cast.taigu_health), (cast.community, cast.yuci_health)):
        assert routed("想签约家庭医生，挂号难", place).top.department == health


def test_a_model_learns_department_types_and_levels_from_every_countys_appeals(cast):
    """Closed appeals label the model with the departments that handled them: 榆次区卫健局 for some
    health matters, 太谷区卫健局 for others, the city's 人社局 for wages. The text does not say which
    county; the place does. So the model learns "health@county" from both counties, and an appeal goes
    to the health bureau of its own county, and a wage matter to the city's bureau, as the city did."""
    make_department(cast.root, cast.city, "hrss", "晋中市人力资源和社会保障局", "1407-hrss", "市人社局")
    taigu_hrss = make_department(cast.root, cast.taigu, "hrss", "太谷区人力资源和社会保障局", "140703-hrss",
                                 "太谷区人社局")
    texts, labels = fixture_texts_labels()
    health = [i for i, label in enumerate(labels) if label == "卫生计生"]
    codes = {"城乡建设": cast.yuci_housing.code, "劳动和社会保障": "1407-hrss"}
    by_code = [codes.get(label) or (cast.yuci_health.code if health.index(i) % 2 else cast.taigu_health.code)
               for i, label in enumerate(labels)]
    version = classifier_train(actor=cast.root, texts=texts, labels=by_code, trained_on="closed appeals",
                               activate=True)
    assert version.labels == ["health@county", "housing@county", "hrss@city"]
    assert version.metrics["accuracy"] == 1.0  # the county is no longer something to guess from the text

    for place, here in ((cast.village, cast.taigu_health), (cast.community, cast.yuci_health)):
        top = routed("医院看病排队太久，挂号难", place).top
        assert top.department == here and top.source == "model" and top.label == "health@county"
        assert top.reasons
    wages = routed("公司拖欠工资三个月不发", cast.village).top
    assert wages.department.code == "1407-hrss" and wages.department != taigu_hrss
