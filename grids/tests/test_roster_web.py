"""Roster pages: upload → differences → confirm → applied (immediate task backend); export; access."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from core.actions import create_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.views import ViewCase, check_view
from grids import coverage
from grids.roster import examples, jobs
from grids.roster.models import RosterImport, RosterImportStatus
from grids.roster.testing import person, place, workbook
from people.models import Person

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, organisation, data=None, name="网格责任清单.xlsx"):
    file = SimpleUploadedFile(name, data if data is not None else examples.example(), content_type=XLSX)
    return client.post(reverse("roster:import"), {"organisation": organisation.pk, "file": file})


def ready_job(cast):
    return RosterImport.objects.create(organisation=cast.school1, created_by=cast.alice, filename="清单.xlsx",
                                       import_date=datetime.date(2026, 9, 1), status=RosterImportStatus.READY)


def VC(*args, **kwargs):
    kwargs.setdefault("refused", "duty1")
    return ViewCase(*args, **kwargs)


CASES = [
    VC("roster:import"),
    VC("roster:import_detail", args=lambda c: [ready_job(c).pk]),
    VC("roster:import_confirm", args=lambda c: [ready_job(c).pk], method="post", ok=(302,)),
    VC("roster:export", writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)


def test_upload_shows_the_differences_and_confirming_applies_them(cast, client_for):
    client = client_for(cast.alice)
    response = upload(client, cast.school1)
    job = RosterImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("roster:import_detail", args=[job.pk])
    assert job.status == RosterImportStatus.READY and list(job.counts) == ["create"]
    page = client.get(response["Location"]).content.decode()
    assert "差异预览" in page and "确认导入" in page and "综合楼二层化学品储存室网格" in page
    assert not Person.objects.filter(organisation=cast.school1).exists()

    response = client.post(reverse("roster:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert response.status_code == 302 and job.status == RosterImportStatus.DONE
    assert Person.objects.filter(organisation=cast.school1).count() == 40
    assert coverage.compute(cast.school1, timezone.localdate(), 30).findings == []
    summary = AuditEvent.objects.get(object_type="grids.roster")
    assert summary.actor == cast.alice and summary.changes["person_create"] == [None, 40]
    assert job.content == b"" and "导入完成" in client.get(response["Location"]).content.decode()


def test_a_sibling_schools_officer_cannot_import_into_school1(cast, client_for):
    response = upload(client_for(cast.charlie), cast.school1)
    assert response.status_code == 404 and not RosterImport.objects.exists()


def test_a_bureau_is_not_a_school_to_import_into(cast, client_for):
    assert upload(client_for(cast.alice), cast.bureau).status_code == 404


def test_a_workbook_with_mistakes_lists_them_and_changes_nothing(cast, client_for):
    client = client_for(cast.alice)
    data = workbook(people=[person("周校长", "T001", category="教工")], places=[place("操场", holders="王某")])
    page = client.get(upload(client, cast.school1, data)["Location"]).content.decode()
    assert RosterImport.objects.get().status == RosterImportStatus.INVALID
    assert "发现 2 处错误" in page and "无法识别的类别“教工”" in page and "未找到人员或岗位“王某”" in page
    assert 'data-label="工作表"' in page and "确认导入" not in page
    assert not Person.objects.filter(organisation=cast.school1).exists()


def test_a_workbook_matching_the_school_needs_no_confirmation(cast, client_for):
    client = client_for(cast.alice)
    upload(client, cast.school1)
    client.post(reverse("roster:import_confirm", args=[RosterImport.objects.get().pk]))
    page = client.get(upload(client, cast.school1)["Location"]).content.decode()
    assert RosterImport.objects.first().status == RosterImportStatus.DONE
    assert "工作簿与系统中的数据一致" in page and "确认导入" not in page


def test_only_xlsx_files_are_accepted(cast, client_for):
    response = upload(client_for(cast.alice), cast.school1, b"a,b", name="roster.csv")
    assert response.status_code == 200 and "请上传 .xlsx 格式" in response.content.decode()


def test_the_status_polls_while_the_import_runs_and_stops_after(cast, client_for):
    client = client_for(cast.alice)
    job = ready_job(cast)
    RosterImport.objects.filter(pk=job.pk).update(status=RosterImportStatus.APPLYING, progress_done=3,
                                                  progress_total=10)
    url = reverse("roster:import_detail", args=[job.pk])
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert 'hx-trigger="every 1s"' in partial and "<html" not in partial and "已完成 3 / 10 步" in partial
    RosterImport.objects.filter(pk=job.pk).update(status=RosterImportStatus.DONE)
    assert "hx-trigger" not in client.get(url, headers={"HX-Request": "true"}).content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: no progress mid-transaction")
@pytest.mark.django_db(transaction=True)
def test_progress_is_visible_while_the_apply_transaction_is_open(cast):
    job = ready_job(cast)
    progress = jobs.Progress(job, interval=0)
    with transaction.atomic():
        progress(3, 10)
        assert RosterImport.objects.values_list("progress_done", "progress_total").get(pk=job.pk) == (3, 10)
    progress.close()


@pytest.mark.django_db(transaction=True)
def test_progress_outside_a_transaction_is_written_to_the_row(cast):
    job = ready_job(cast)
    jobs.Progress(job, interval=0)(4, 8)
    assert RosterImport.objects.values_list("progress_done", "progress_total").get(pk=job.pk) == (4, 8)


def test_the_differences_are_computed_again_if_the_school_changed_after_the_preview(cast, client_for):
    client = client_for(cast.alice)
    upload(client, cast.school1)
    job = RosterImport.objects.get()
    create_object(Actor(), Person(organisation=cast.school1, name="新来的", category="staff"))
    client.post(reverse("roster:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == RosterImportStatus.READY and "差异已重新计算" in job.message
    assert Person.objects.filter(organisation=cast.school1).count() == 1
    assert any(row[:3] == ["leave", "person", "新来的"] for row in job.changes)


def test_confirming_twice_applies_once(cast, client_for):
    client = client_for(cast.alice)
    upload(client, cast.school1)
    job = RosterImport.objects.get()
    client.post(reverse("roster:import_confirm", args=[job.pk]))
    events = AuditEvent.objects.count()
    response = client.post(reverse("roster:import_confirm", args=[job.pk]), follow=True)
    assert "该导入已不在待确认状态" in response.content.decode() and AuditEvent.objects.count() == events


def test_removals_are_applied_only_when_ticked(cast, client_for):
    client = client_for(cast.alice)
    data = workbook(people=[person("周校长", "T001"), person("李老师", "T002")])
    upload(client, cast.school1, data)
    client.post(reverse("roster:import_confirm", args=[RosterImport.objects.get().pk]))
    upload(client, cast.school1, workbook(people=[person("周校长", "T001")]))
    job = RosterImport.objects.filter(status=RosterImportStatus.READY).get()
    assert 'name="prune"' in client.get(reverse("roster:import_detail", args=[job.pk])).content.decode()
    client.post(reverse("roster:import_confirm", args=[job.pk]), {"prune": "1"})
    assert Person.objects.get(organisation=cast.school1, staff_no="T002").status == "left"


def test_the_page_offers_the_template_and_the_example(cast, client_for):
    from django.templatetags.static import static

    client = client_for(cast.alice)
    page = client.get(reverse("roster:import")).content.decode()
    for name in (examples.TEMPLATE_NAME, examples.EXAMPLE_NAME):
        url = static(f"roster/{name}")
        assert f'href="{url}"' in page
        assert b"".join(client.get(url).streaming_content).startswith(b"PK")


def test_export_downloads_the_schools_workbook_and_is_audited(cast, client_for):
    client = client_for(cast.alice)
    upload(client, cast.school1)
    client.post(reverse("roster:import_confirm", args=[RosterImport.objects.get().pk]))
    response = client.get(reverse("roster:export"), {"org": cast.school1.pk})
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert "filename*=UTF-8''" in response["Content-Disposition"]
    event = AuditEvent.objects.filter(action="export", object_type="grids.roster").get()
    assert event.organisation == cast.school1 and event.changes["phones_masked"] == [None, False]


def test_a_leader_without_the_phone_capability_exports_masked_numbers(cast, client_for):
    from grids.roster.testing import sheets_of

    client_for(cast.alice)
    create_object(Actor(), Person(organisation=cast.school1, name="周校长", category="staff", phone="13905710001"))
    response = client_for(cast.leader1).get(reverse("roster:export"), {"org": cast.school1.pk})
    assert sheets_of(response.content)["人员"][0][5] == "139****0001"


def test_a_sibling_schools_officer_cannot_export_school1(cast, client_for):
    response = client_for(cast.charlie).get(reverse("roster:export"), {"org": cast.school1.pk})
    assert response.status_code == 404
