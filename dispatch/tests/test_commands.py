"""dispatch_train and dispatch_eval on a small fixture file, as a deployment importing its history would."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation
from openpyxl import Workbook

from dispatch.models import ClassifierVersion, TrainingExample
from dispatch.tests.conftest import FIXTURE, fixture_rows, routed

COLUMNS = ["--text-col", "标题", "--text-col", "内容", "--label-col", "类别"]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):  # the assertions read the English source strings
        call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_train_then_evaluate_from_csv(db):
    out, err = run("dispatch_train", str(FIXTURE), *COLUMNS, "--activate")
    assert "30 labelled texts, 3 labels" in out
    assert "macro-F1" in out and "劳动和社会保障" in out and "confusion matrix" in out
    assert "stored version 1: active" in out
    assert "cross-validating: 5/5 100%" in err  # the progress line
    version = ClassifierVersion.objects.get()
    assert version.is_active and version.n_samples == 30
    # The history is kept for later retraining, once however often the same file is imported.

    assert "30 rows kept as training examples" in out
    assert TrainingExample.objects.filter(source="import", reference="import:messages.csv").count() == 30
    out, _err = run("dispatch_retrain", "--no-progress")
    assert "nothing recorded since version 1" in out
    run("dispatch_train", str(FIXTURE), *COLUMNS, "--no-progress")
    assert TrainingExample.objects.count() == 30

    out, _err = run("dispatch_eval", str(FIXTURE), *COLUMNS)
    assert "version 1 on 30 texts" in out
    assert "accuracy 1.0000" in out and "top-2 accuracy 1.0000" in out
    assert "confusion matrix" in out and "messages/second" in out
    matrix = out.split("confusion matrix")[1].splitlines()[1:4]
    assert [line.split()[1:] for line in matrix] == [["10", "0", "0"], ["0", "10", "0"], ["0", "0", "10"]]


def test_train_from_xlsx_without_activating(db, tmp_path):
    workbook = Workbook()
    workbook.active.append(["标题", "内容", "类别"])
    for row in fixture_rows():
        workbook.active.append([row["标题"], row["内容"], row["类别"]])
    path = tmp_path / "history.xlsx"
    workbook.save(path)
    out, _err = run("dispatch_train", str(path), *COLUMNS, "--no-progress", "--no-keep")
    assert "not active" in out and "kept as training examples" not in out
    assert not TrainingExample.objects.exists()
    assert not ClassifierVersion.objects.get().is_active
    with pytest.raises(CommandError, match="no classifier is active"):
        run("dispatch_eval", str(path), *COLUMNS)
    out, _err = run("dispatch_eval", str(path), *COLUMNS, "--model-version", "1", "--no-progress")
    assert "version 1 on 30 texts" in out


def test_a_wrong_column_names_the_columns_the_file_has(db):
    with pytest.raises(CommandError, match="no column 正文.*标题、内容、类别"):
        run("dispatch_train", str(FIXTURE), "--text-col", "正文", "--label-col", "类别")


def test_bad_files_are_refused_clearly(db, tmp_path):
    with pytest.raises(CommandError, match="No file at"):
        run("dispatch_train", str(tmp_path / "missing.csv"), *COLUMNS)
    fake = tmp_path / "fake.xlsx"
    fake.write_text("not a workbook")
    with pytest.raises(CommandError, match="not a readable Excel workbook"):
        run("dispatch_train", str(fake), *COLUMNS)
    other = tmp_path / "notes.pdf"
    other.write_text("x")
    with pytest.raises(CommandError, match=r"\.xlsx or \.csv"):
        run("dispatch_train", str(other), *COLUMNS)
    one_label = tmp_path / "one.csv"
    one_label.write_text("标题,内容,类别\n路灯,路灯坏了,城乡建设\n道路,道路积水,城乡建设\n井盖,井盖丢了,城乡建设\n"
                         "楼道,楼道漏水,城乡建设\n", encoding="utf-8")
    with pytest.raises(CommandError, match="two different labels"):
        run("dispatch_train", str(one_label), *COLUMNS)


def test_retrain_from_the_platforms_own_closed_appeals(cast):
    """History that bypassed the closing step (here the generator's) becomes training data once, and
    the model trained on it routes a new appeal to the department of its matter serving its place."""
    from appeals.models import Appeal, State
    call_command("appeals_generate", 600, seed=3, days=90, stdout=io.StringIO())
    handled = Appeal.objects.filter(state=State.CLOSED, assigned_department__isnull=False).count()
    assert handled > 40

    out, err = run("dispatch_retrain", "--from-history")
    assert f"{handled} closed appeals recorded as training examples" in out
    assert "stored version 1: active" in out and "macro-F1" in out and "cross-validating: 5/5" in err
    assert TrainingExample.objects.filter(source="closed").count() == handled
    version = ClassifierVersion.objects.get()
    # Learnt as department types at county level: the same for every county's appeals.
    assert "housing@county" in version.labels and "health@county" in version.labels

    top = routed("家里暖气片是凉的", cast.community, "供热公司电话打不通").top
    assert top.department == cast.yuci_housing and top.source == "model" and top.label == "housing@county"

    out, _err = run("dispatch_retrain", "--from-history", "--no-progress")
    assert "0 closed appeals recorded" in out and "nothing recorded since version 1" in out
    out, _err = run("dispatch_retrain", "--no-progress", "--no-activate", "--force")
    assert "stored version 2: not active" in out
    assert TrainingExample.objects.count() == handled
    out, _err = run("dispatch_retrain", "--if-no-model")
    assert out == "" and ClassifierVersion.objects.count() == 2


def test_retrain_with_nothing_recorded_says_so(db):
    with pytest.raises(CommandError, match="too little to learn from"):
        run("dispatch_retrain", "--from-history", "--no-progress")


def test_the_starter_catalogue_routes_by_department_type_in_every_county(cast):
    from dispatch.models import CatalogueEntry
    from dispatch.starter import STARTER

    out, _err = run("dispatch_starter_catalogue")
    total = sum(len(phrases) for phrases in STARTER.values())
    assert f"{total} entries added" in out and CatalogueEntry.objects.count() == total
    out, _err = run("dispatch_starter_catalogue")  # a second run adds nothing
    assert "0 entries added" in out and CatalogueEntry.objects.count() == total
    out, _err = run("dispatch_starter_catalogue", "--if-empty")
    assert out == ""

    for place, health in ((cast.village, cast.taigu_health), (cast.community, cast.yuci_health)):
        top = routed("想签约家庭医生", place, "社区卫生服务站说名额满了").top
        assert top.department == health and top.source == "catalogue"
        assert set(top.reasons) == {"家庭医生", "卫生服务站"}
        assert 0.5 < top.confidence < 0.85  # a suggestion, not sure enough to dispatch on its own
