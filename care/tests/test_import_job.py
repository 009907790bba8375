"""The civil-affairs import in the background (core.jobs + core.xlsx.Importer.run_chunked): streamed
in chunks, every bad cell reported by row and column, the dry run saving nothing, the confirmed run
saving everything; the full-list option ends (never deletes) the memberships of people not on it."""

import pytest
from django.utils import timezone

from care import services
from care.importers import CareListImporter
from care.models import CareMembership, Person, Source
from care.tests.conftest import id_number, register
from care.tests.test_importers import row, xlsx
from core import jobs
from core.models import AuditEvent, Job

pytestmark = pytest.mark.django_db


class Progress:
    def __init__(self):
        self.stages, self.done = [], 0

    def stage(self, text, total=None):
        self.stages.append((str(text), total))

    def advance(self, n=1):
        self.done += n


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(CareListImporter, "CHUNK", 2)


def five_rows(bad=False):
    rows = [row(name=f"人{n}", number=id_number(seq=f"{n:03d}")) for n in range(11, 16)]
    if bad:
        rows[3][1] = rows[3][1][:-1] + ("1" if rows[3][1][-1] != "1" else "2")
    return rows


def test_chunks_check_every_row_and_the_dry_run_saves_nothing(care, small_chunks):
    progress = Progress()
    report = CareListImporter(actor=care.cast.root).run_chunked(xlsx(five_rows(bad=True)), commit=False,
                                                                progress=progress)
    assert [(e.row, e.column) for e in report.errors] == [(5, "身份证号")]
    assert report.rows == 5 and report.errors_total == 1 and not report.committed
    assert progress.done == 5 and progress.stages[-1] == ("校验各行", 5)
    assert not Person.objects.exists() and not AuditEvent.objects.filter(verb__startswith="care.").exists()


def test_a_confirmed_run_saves_every_chunk(care, small_chunks):
    report = CareListImporter(actor=care.cast.root).run_chunked(xlsx(five_rows()), commit=True)
    assert report.committed and report.outcomes == {"created": 5}
    assert Person.objects.count() == 5


def test_only_the_first_errors_are_kept_but_all_are_counted(care, small_chunks, monkeypatch):
    monkeypatch.setattr(CareListImporter, "MAX_KEPT_ERRORS", 2)
    rows = [row(name=f"人{n}", number="123", village="999") for n in range(4)]
    report = CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=False)
    assert len(report.errors) == 2 and report.errors_total == 8 and report.bad_rows == 4


def test_a_full_list_ends_the_memberships_of_people_not_on_it(care):
    staying = register(care, name="甲", seq="021")
    leaving = register(care, name="乙", seq="023")
    elsewhere = register(care, name="丙", seq="025", unit=care.ruyi, carer=care.ruyi_worker)
    other_category = register(care, name="丁", seq="027", category="dibao")
    rows = [row(name="甲", number=id_number(seq="021"))]
    importer = CareListImporter(actor=care.cast.root, full_list=True)
    dry = importer.run_chunked(xlsx(rows), commit=False)
    assert dry.outcomes["ended"] == 1 and CareMembership.objects.filter(until__isnull=False).count() == 0
    report = CareListImporter(actor=care.cast.root, full_list=True).run_chunked(xlsx(rows), commit=True)
    assert report.committed and report.outcomes["ended"] == 1
    ended = CareMembership.objects.get(until__isnull=False)
    assert ended.person == leaving and Person.objects.filter(pk=leaving.pk).exists()  # ended, not deleted
    event = AuditEvent.objects.filter(verb="care.membership.end").latest("pk")
    assert "完整名单" in event.data["reason"]
    for person in (staying, elsewhere, other_category):
        assert person.memberships.filter(until__isnull=True).exists()
    # Without the option nobody absent is touched.
    services.membership_set(actor=care.cast.root, person=leaving, category=care.categories["solitary_elderly"],
                            since=leaving.created_at.date(), source=Source.CIVIL_AFFAIRS)
    CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=True)
    assert leaving.memberships.filter(until__isnull=True).exists()


def test_the_job_runs_once_and_only_its_starter_sees_it(client, care, django_capture_on_commit_callbacks,
                                                        settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.xlsx_import_start(actor=care.cast.admin, importer_path="care.importers.CareListImporter",
                                     content=xlsx([row()]).getvalue(), file_name="名单.xlsx")
    job.refresh_from_db()
    assert job.state == "done" and job.result["rows"] == 1 and job.result["next"]["params"]["commit"] is True
    assert jobs.run_job(job.pk) == "done"  # delivered again: not run again
    client.force_login(care.cast.admin)
    status = client.get(f"/jobs/{job.pk}/status/").json()
    assert status["percent"] == 100 and status["over"] is True
    client.force_login(care.village_cadre)
    assert client.get(f"/jobs/{job.pk}/").status_code == 403
    assert client.get(f"/jobs/{job.pk}/status/").status_code == 403


def test_a_job_that_fails_says_why(care, settings, tmp_path):
    settings.JOB_FILES_DIR = tmp_path
    job = Job.objects.create(kind=jobs.XLSX_IMPORT, actor=care.cast.admin, title="x", file_path=str(tmp_path / "f"),
                             params={"importer": "care.importers.CareListImporter", "commit": False})
    (tmp_path / "f").write_bytes(b"not a workbook")
    assert jobs.run_job(job.pk) == "failed"
    job.refresh_from_db()
    assert "xlsx" in job.error and not (tmp_path / "f").exists()


def test_a_person_in_several_chunks_is_counted_once_as_registered_in_the_dry_run(care, small_chunks):
    """Chunks of two rows: 甲's second category comes in the second chunk, after the first chunk of the
    dry run was rolled back. The dry run announces what the confirmed run then does."""
    rows = [row(name="甲", number=id_number(seq="031")), row(name="乙", number=id_number(seq="033")),
            row(name="甲", number=id_number(seq="031"), category="低保", fields="")]
    dry = CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=False)
    assert not dry.errors and dry.outcomes == {"created": 2, "updated": 1}
    assert not Person.objects.exists()
    done = CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=True)
    assert done.committed and done.outcomes == dry.outcomes
    assert Person.objects.count() == 2
    assert CareMembership.objects.filter(person__name="甲", until__isnull=True).count() == 2


def trail(person):
    return [event.verb for event in AuditEvent.objects.filter(target_type="care.person", target_id=str(person.pk))
            .order_by("pk")]


def test_a_person_twice_in_one_chunk_is_registered_once_and_a_repeated_category_is_refused(care):
    """One chunk (the default size): 甲's second row comes after the chunk's lookup found nobody, and is still
    an update of the person the first row registered, with the same trail as one row at a time."""
    first = row(name="甲", number=id_number(seq="041"))
    rows = [first, row(name="乙", number=id_number(seq="043")),
            row(name="甲乙", number=id_number(seq="041"), phone="13900003333", category="低保", fields=""),
            row(name="甲", number=id_number(seq="041"))]  # 甲 in 独居老人 again
    report = CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=False)
    assert [(e.row, e.column) for e in report.errors] == [(5, "包联类别")]
    assert report.errors[0].message == "该人员的这一类别已在第 2 行出现。"
    done = CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows[:3]), commit=True)
    assert done.committed and done.outcomes == {"created": 2, "updated": 1}
    person = Person.objects.get(id_index=Person.objects.get(name="甲乙").id_index)
    assert Person.objects.count() == 2 and person.phone == "13900003333"
    assert set(person.memberships.filter(until__isnull=True).values_list("category__code", flat=True)) == {
        "solitary_elderly", "dibao"}
    assert trail(person) == ["care.person.create", "care.membership.start", "care.person.update",
                             "care.membership.start"]
    assert AuditEvent.objects.filter(verb="care.person.update").get().data == {"changed": ["name", "phone"]}


def test_a_reimport_in_three_chunks_updates_ends_what_the_list_dropped_and_writes_only_the_changes(
        care, small_chunks):
    numbers = [id_number(seq=f"{n:03d}") for n in (51, 53, 55, 57, 59)]
    rows = [row(name=f"人{n}", number=number) for n, number in enumerate(numbers)]
    rows.append(row(name="人1", number=numbers[1], category="低保", fields=""))  # the third chunk
    assert CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=True).outcomes == {
        "created": 5, "updated": 1}
    before = AuditEvent.objects.latest("pk").pk
    again = [list(r) for r in rows[:5]]
    again[0][2] = "13900004444"  # a new phone for 人0; 人1 is no longer on the 低保 list
    dry = CareListImporter(actor=care.cast.root).run_chunked(xlsx(again), commit=False)
    assert dry.outcomes == {"updated": 5} and not AuditEvent.objects.filter(pk__gt=before).exists()
    done = CareListImporter(actor=care.cast.root).run_chunked(xlsx(again), commit=True)
    assert done.committed and done.outcomes == dry.outcomes
    assert Person.objects.count() == 5
    assert Person.objects.get(name="人0").phone == "13900004444"
    dibao = CareMembership.objects.get(category__code="dibao")
    assert dibao.until == timezone.localdate() and dibao.person.name == "人1"  # ended, kept
    assert "民政名单" in AuditEvent.objects.get(verb="care.membership.end").data["reason"]
    assert sorted(AuditEvent.objects.filter(pk__gt=before).values_list("verb", flat=True)) == [
        "care.membership.end", "care.person.update"]
    assert CareMembership.objects.filter(until__isnull=True).count() == 5


def test_a_refused_row_is_reported_and_the_rest_of_its_chunk_saved(care):
    """Rows the checks of the cells cannot see: a record ended, and a person living outside the importer's
    units (a 顺城社区 cadre importing someone registered in 如意社区)."""
    ended = register(care, name="丙", seq="061")
    services.person_end(actor=care.cast.root, person=ended, ended_on=timezone.localdate(), reason="moved_away")
    elsewhere = register(care, name="丁", seq="063", unit=care.ruyi, carer=care.ruyi_worker)
    rows = [row(name="戊", number=id_number(seq="065")), row(name="丙", number=id_number(seq="061")),
            row(name="丁", number=id_number(seq="063")), row(name="己", number=id_number(seq="067"))]
    report = CareListImporter(actor=care.village_cadre).run_chunked(xlsx(rows), commit=True)
    assert [(e.row, e.column) for e in report.errors] == [(3, ""), (4, "")]
    assert "终止，不能再修改" in report.errors[0].message and "只有负责 丁*" in report.errors[1].message
    assert not report.committed  # a file with errors is not confirmed as a whole …
    assert set(Person.objects.values_list("name", flat=True)) == {"丙", "丁", "戊", "己"}  # … its good rows stay
    elsewhere.refresh_from_db()
    assert elsewhere.unit == care.ruyi and trail(elsewhere) == ["care.person.create", "care.membership.start",
                                                                "care.assignment.start"]


def test_imported_people_have_the_risk_and_due_date_one_at_a_time_gives_and_the_trail_holds(care, small_chunks):
    from core.audit import chain_verify

    rows = [row(name=f"人{n}", number=id_number(birth=birth, seq=f"{n:03d}"), category=category, fields=fields)
            for n, (birth, category, fields) in enumerate([
                ("19400315", "独居老人", "自理能力=失能"), ("19800101", "低保", ""),
                ("19300101", "独居老人", "自理能力=自理")], start=71)]
    assert CareListImporter(actor=care.cast.root).run_chunked(xlsx(rows), commit=True).committed
    for person in Person.objects.all():
        before = (person.risk_computed, person.risk_level, person.next_visit_due)
        assert person.next_visit_due == person.created_at.astimezone(timezone.get_current_timezone()).date()
        assert (services.person_refresh(person).risk_computed, person.risk_level, person.next_visit_due) == before
    assert chain_verify().problems == []


def test_a_full_list_ends_its_absentees_in_batches_and_they_leave_the_due_lists(care, small_chunks):
    leaving = [register(care, name=f"走{n}", seq=f"{n:03d}") for n in (81, 83, 85)]
    assert all(person.next_visit_due is not None for person in leaving)
    rows = [row(name="留", number=id_number(seq="087"))]
    report = CareListImporter(actor=care.cast.root, full_list=True).run_chunked(xlsx(rows), commit=True)
    assert report.committed and report.outcomes == {"created": 1, "ended": 3}
    for person in leaving:
        person.refresh_from_db()
        assert not person.memberships.filter(until__isnull=True).exists() and person.next_visit_due is None
        assert trail(person)[-1] == "care.membership.end"
    assert Person.objects.get(name="留").memberships.get().until is None
