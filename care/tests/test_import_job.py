"""The civil-affairs import in the background (core.jobs + core.xlsx.Importer.run_chunked): streamed
in chunks, every bad cell reported by row and column, the dry run saving nothing, the confirmed run
saving everything; the full-list option ends (never deletes) the memberships of people not on it."""

import pytest

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
