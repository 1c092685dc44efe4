"""随手拍: anyone reports a hazard through a place's QR link; the safety office reviews it (初审)."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from core.audit import Actor
from core.models import AuditEvent
from core.testing.photos import jpeg_bytes
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from hazards import public
from hazards.models import Hazard, HazardPhoto, PublicReport, PublicReportPhoto

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def school(cast):
    return make_school(cast.school1)


def _url(place) -> str:
    return reverse("hazard_public:report", args=[place.qr_token])


def _send(client, place, text="楼梯扶手松动", ip="203.0.113.7", **files):
    return client.post(_url(place), {"description": text, **files}, REMOTE_ADDR=ip)


def _photo(data=None):
    return SimpleUploadedFile("现场.jpg", data if data is not None else jpeg_bytes(), content_type="image/jpeg")


def _pending(cast, school, text="楼梯扶手松动", with_photo=True) -> PublicReport:
    return public.submit(school.room101, text, _photo() if with_photo else None)


# --- the public page -------------------------------------------------------------------------------


def test_the_public_page_shows_the_place_name_and_nothing_else_about_the_school(client, cast, school):
    page = client.get(_url(school.room101))
    html = page.content.decode()
    assert page.status_code == 200 and "101教室" in html and 'name="description"' in html
    assert 'accept="image/*"' in html and "capture" in html and "csrfmiddlewaretoken" in html
    for secret in [cast.school1.name, "教学楼", "一层", "王老师", "李主任", "赵保安", "小明", "一年级1班", "操场网格",
                   cast.alice.name, "13812345678"]:
        assert secret not in html, secret
    assert "工作人员登录" in html and "next=/q/" in html.replace("%2F", "/")


def test_an_unknown_token_answers_404_without_detail(client, school):
    response = client.get(reverse("hazard_public:report", args=["nosuchtoken"]))
    assert response.status_code == 404 and "nosuchtoken" not in response.content.decode()


def test_anyone_reports_without_a_photo_and_is_thanked(client, cast, school):
    response = _send(client, school.room101, "灭火器过期了")
    assert response.status_code == 302 and response["Location"] == reverse("hazard_public:thanks",
                                                                            args=[school.room101.qr_token])
    report = PublicReport.objects.get()
    assert (report.organisation, report.place, report.description, report.status) == (
        cast.school1, school.room101, "灭火器过期了", "pending")
    assert not PublicReportPhoto.objects.exists()
    entry = AuditEvent.objects.get(object_type="hazards.publicreport")
    assert entry.actor is None and entry.ip is None and entry.organisation == cast.school1  # no personal data
    assert "101教室" in client.get(response["Location"]).content.decode()


def test_anyone_reports_with_one_photo(client, cast, school):
    assert _send(client, school.room101, photo=_photo()).status_code == 302
    photo = PublicReportPhoto.objects.get()
    assert photo.report == PublicReport.objects.get() and photo.organisation == cast.school1
    assert photo.content_type == "image/jpeg"
    assert Path(photo.image.path).exists() and Path(photo.thumbnail.path).exists()


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_saved(client, school, settings):
    response = _send(client, school.room101, photo=_photo(b"%PDF-1.4 not a photo at all"))
    assert response.status_code == 200 and "不是照片" in response.content.decode()
    assert not PublicReport.objects.exists() and not PublicReportPhoto.objects.exists()
    assert not [p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()]


@pytest.mark.parametrize("text, message", [("", "请描述看到的安全隐患。"), ("  ", "请描述看到的安全隐患。"),
                                           ("险" * (public.MAX_DESCRIPTION + 1), "描述最多")])
def test_a_missing_or_too_long_description_is_refused_with_a_clear_message(client, school, text, message):
    response = _send(client, school.room101, text)
    assert response.status_code == 200 and message in response.content.decode()
    assert not PublicReport.objects.exists()


# --- throttling ------------------------------------------------------------------------------------


def test_the_sixth_report_from_one_address_in_an_hour_is_refused(client, school):
    for _n in range(public.IP_LIMIT):
        assert _send(client, school.room101).status_code == 302
    refused = _send(client, school.room101)
    assert refused.status_code == 429 and "提交过于频繁" in refused.content.decode()
    assert PublicReport.objects.count() == public.IP_LIMIT
    assert _send(client, school.room101, ip="198.51.100.9").status_code == 302  # another address still may


def test_a_forwarded_for_header_from_an_untrusted_client_does_not_dodge_the_limit(client, school):
    for n in range(public.IP_LIMIT):
        assert client.post(_url(school.room101), {"description": "x"}, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}"
                           ).status_code == 302
    assert client.post(_url(school.room101), {"description": "x"}, HTTP_X_FORWARDED_FOR="10.0.0.99"
                       ).status_code == 429


def test_a_place_takes_at_most_its_limit_from_all_addresses_together(client, school):
    for n in range(public.PLACE_LIMIT):  # each address within its own limit
        assert _send(client, school.room101, ip=f"203.0.113.{n // public.IP_LIMIT}").status_code == 302
    refused = _send(client, school.room101, ip="192.0.2.1")
    assert refused.status_code == 429 and PublicReport.objects.count() == public.PLACE_LIMIT
    # The refused address keeps its own allowance for other places.
    for _n in range(public.IP_LIMIT):
        assert _send(client, school.playground, ip="192.0.2.1").status_code == 302


def test_the_limits_lift_after_the_window(client, school):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _n in range(public.IP_LIMIT):
            assert _send(client, school.room101).status_code == 302
        assert _send(client, school.room101).status_code == 429
        clock.shift(datetime.timedelta(seconds=public.WINDOW - 60))
        assert _send(client, school.room101).status_code == 429
        clock.shift(datetime.timedelta(seconds=61))
        assert _send(client, school.room101).status_code == 302


def test_an_invalid_description_uses_up_no_allowance(client, school):
    for _n in range(public.IP_LIMIT + 2):
        assert _send(client, school.room101, "").status_code == 200
    assert _send(client, school.room101).status_code == 302


# --- the QR plate ----------------------------------------------------------------------------------


def test_an_anonymous_scan_of_a_plate_lands_on_the_public_report(client, school):
    response = client.get(reverse("inspections:scan", args=[school.room101.qr_token]))
    assert response.status_code == 302 and response["Location"] == _url(school.room101)


def test_staff_scanning_a_plate_keep_the_patrol_page(client_for, cast, school):
    response = client_for(cast.alice).get(reverse("inspections:scan", args=[school.room101.qr_token]))
    assert response.status_code == 200 and "今日应检" in response.content.decode()


# --- review (初审) ---------------------------------------------------------------------------------


def _report_pk(cast):
    report = PublicReport.objects.filter(organisation=cast.school1).first()
    if report is None:
        report = public.submit(make_school(cast.school1).room101, "楼梯扶手松动", _photo())
    return [report.pk]


ACCEPT = {"topic": "buildings", "grade": "general", "risk_colour": "yellow", "description": "楼梯扶手松动"}


@pytest.mark.parametrize("case", [
    ViewCase("hazard_public:review_list"),
    ViewCase("hazard_public:review_detail", args=_report_pk, refused="duty1"),
    ViewCase("hazard_public:photo", args=_report_pk, refused="duty1"),
    ViewCase("hazard_public:photo_thumb", args=_report_pk, refused="duty1"),
    ViewCase("hazard_public:accept", args=_report_pk, method="post", data=lambda cast: ACCEPT, refused="duty1",
             writes=True, ok=(302,)),
    ViewCase("hazard_public:dismiss", args=_report_pk, method="post", data=lambda cast: {"reason": "重复报告"},
             refused="duty1", writes=True, ok=(302,)),
], ids=lambda c: c.name)
def test_view_access_rules(client, cast, case):
    check_view(client, cast, case)


def test_the_queue_lists_pending_reports_of_the_users_schools_only(client_for, cast, school):
    _pending(cast, school, "窗户玻璃碎了")
    public.submit(make_school(cast.school2).room101, "二中的报告")
    page = client_for(cast.alice).get(reverse("hazard_public:review_list")).content.decode()
    assert "窗户玻璃碎了" in page and "二中的报告" not in page and "待初审 1 条" in page
    assert reverse("hazard_public:photo_thumb", args=[PublicReport.objects.get(description="窗户玻璃碎了").pk]) in page


def test_accepting_registers_a_public_hazard_with_the_photo_before(client_for, cast, school):
    report = _pending(cast, school)
    response = client_for(cast.alice).post(reverse("hazard_public:accept", args=[report.pk]),
                                           {**ACCEPT, "description": "二楼楼梯扶手松动", "grade": "major"})
    hazard = Hazard.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("hazards:hazard_detail", args=[hazard.pk])
    assert (hazard.source, hazard.place, hazard.organisation, hazard.grade, hazard.topic, hazard.description) == (
        "public", school.room101, cast.school1, "major", "buildings", "二楼楼梯扶手松动")
    assert hazard.found_at == report.submitted_at and hazard.reported_by == cast.alice
    assert hazard.grid == school.class_grid  # the place's own grid answers for it
    before = HazardPhoto.objects.get(hazard=hazard)
    assert before.kind == "before" and before.image.name == report.photo.image.name
    report.refresh_from_db()
    assert (report.status, report.hazard, report.reviewed_by) == ("accepted", hazard, cast.alice)
    assert AuditEvent.objects.filter(object_type="hazards.publicreport", object_id=str(report.pk), action="update",
                                     actor=cast.alice).exists()


def test_dismissing_requires_a_reason(client_for, cast, school):
    report = _pending(cast, school)
    client = client_for(cast.alice)
    refused = client.post(reverse("hazard_public:dismiss", args=[report.pk]), {"reason": "  "})
    assert refused.status_code == 422 and "请填写不予受理的原因。" in refused.content.decode()
    report.refresh_from_db()
    assert report.status == "pending"
    assert client.post(reverse("hazard_public:dismiss", args=[report.pk]), {"reason": "非校内问题"}).status_code == 302
    report.refresh_from_db()
    assert (report.status, report.dismiss_reason, report.hazard) == ("dismissed", "非校内问题", None)


def test_a_report_is_reviewed_once_the_second_reviewer_is_told_to_reload(client_for, cast, school):
    report = _pending(cast, school)
    stale = PublicReport.objects.get(pk=report.pk)
    public.accept(Actor(user=cast.alice), report, **ACCEPT)
    with pytest.raises(public.AlreadyReviewed):
        public.dismiss(Actor(user=cast.leader1), stale, "重复")
    response = client_for(cast.leader1).post(reverse("hazard_public:accept", args=[report.pk]), ACCEPT, follow=True)
    assert "已由他人审核" in response.content.decode()
    assert Hazard.objects.count() == 1 and PublicReport.objects.get().status == "accepted"


def test_the_queue_takes_the_same_queries_for_few_or_many_reports(client_for, cast, school):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _pending(cast, school)
    client = client_for(cast.alice)
    client.get(reverse("hazard_public:review_list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("hazard_public:review_list")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(4):
        public.submit(school.playground if n % 2 else school.room102, f"报告{n}", _photo() if n % 2 else None)
    assert count() == few
