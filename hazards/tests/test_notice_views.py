"""Rectification notice pages: who reads, issues and acknowledges; issuing through the form (numbered and
audited), merging a department's open hazards, the status following the hazards, a fixed number of queries
for the list, and the printed A4 notice."""

import datetime
import re
import shutil
import subprocess

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.actions import update_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.personas import make_user
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from hazards import notices, workflow
from hazards.actions import report
from hazards.models import Hazard, RectificationNotice
from orgs.roles import Role

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 10, 12)
DEADLINE = datetime.date(2026, 10, 20)
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 12, 9, 0)), tick=False):
        yield


@pytest.fixture
def school(cast):
    """school1 with accounts: 王老师 a grid leader (一层网格, 一年级1班), 李主任 of 总务处, 赵保安 of 保卫处;
    two hazards in the classrooms that 李主任 answers for, one on the playground for 赵保安, one unassigned."""
    school = make_school(cast.school1)
    for attr, person, role, department in (("wang", school.wang, Role.GRID_LEADER, "一年级组"),
                                           ("li", school.li, Role.GRID_MEMBER, "总务处"),
                                           ("zhao", school.zhao, Role.GRID_MEMBER, "保卫处")):
        user = make_user(f"u_{attr}", cast.school1, role, name=person.name)
        update_object(Actor(), person, user=user, department=department)
        setattr(cast, f"u_{attr}", user)

    def hazard(place, text, responsible=None):
        made = report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=place, description=text,
                                                     topic="fire"))
        if responsible is not None:
            made = workflow.assign(Actor(user=cast.alice), made, 1, responsible=responsible, deadline=DEADLINE)
        return made

    school.hazards = [hazard(school.room101, "灭火器压力不足", school.li),
                      hazard(school.room102, "插座松动", school.li),
                      hazard(school.playground, "围墙开裂", school.zhao), hazard(school.room101, "窗户护栏松动")]
    cast.notice = notices.issue(Actor(user=cast.alice), cast.school1, school.hazards[:2], deadline=DEADLINE,
                                requirements="立即更换灭火器，紧固插座", recipient_department="总务处")
    return school


def detail_args(cast):
    return [cast.notice.pk]


CASES = [
    ViewCase("hazard_notice:notice_list"),
    ViewCase("hazard_notice:notice_new"),
    ViewCase("hazard_notice:notice_detail", args=detail_args, refused="u_zhao"),
    ViewCase("hazard_notice:notice_pdf", args=detail_args, refused="u_zhao", writes=True, ok=(200,)),
    ViewCase("hazard_notice:notice_acknowledge", args=detail_args, method="post", allowed="u_li", refused="u_zhao",
             writes=True, ok=(302,)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_view_access_rules(client, cast, school, case):
    check_view(client, cast, case)


def test_another_schools_officer_cannot_issue_for_this_school(client_for, cast, school):
    response = client_for(cast.charlie).get(reverse("hazard_notice:notice_new"), {"org": cast.school1.pk})
    assert response.status_code == 404


def test_a_bureau_picks_the_school_first(client_for, cast, school):
    client = client_for(cast.bureau_admin)
    assert "测试实验小学" in client.get(reverse("hazard_notice:notice_new")).content.decode()
    page = client.get(reverse("hazard_notice:notice_new"), {"org": cast.school1.pk}).content.decode()
    assert "灭火器压力不足" in page and "围墙开裂" in page


def test_issuing_through_the_form_creates_the_next_numbered_notice_and_an_audit_event(client_for, cast, school):
    hazard = school.hazards[2]
    response = client_for(cast.alice).post(reverse("hazard_notice:notice_new"), {
        "org": cast.school1.pk, "hazards": [hazard.pk], "recipient": school.zhao.pk, "deadline": "2026-10-19",
        "requirements": "加固围墙，设置警示标志"})
    notice = RectificationNotice.objects.get(number=2)
    assert response.status_code == 302 and response["Location"] == reverse("hazard_notice:notice_detail",
                                                                            args=[notice.pk])
    assert (notice.code, notice.recipient, list(notice.hazards.all())) == ("〔2026〕第002号", school.zhao, [hazard])
    assert AuditEvent.objects.filter(object_type="hazards.rectificationnotice", object_id=str(notice.pk),
                                     action="create").exists()


def test_the_form_refuses_a_notice_without_recipient_or_with_a_past_deadline(client_for, cast, school):
    response = client_for(cast.alice).post(reverse("hazard_notice:notice_new"), {
        "org": cast.school1.pk, "hazards": [school.hazards[2].pk], "deadline": "2026-10-01", "requirements": "x"})
    page = response.content.decode()
    assert response.status_code == 422 and "请填写接收部门或接收人" in page and "不能早于今天" in page
    assert RectificationNotice.objects.count() == 1


def test_merging_by_department_preselects_the_departments_open_hazards(client_for, cast, school):
    page = client_for(cast.alice).get(reverse("hazard_notice:notice_new"), {"department": "总务处"}).content.decode()
    checked = {int(pk) for pk in re.findall(r'value="(\d+)"[^>]*checked', page)}
    assert checked == {school.hazards[0].pk, school.hazards[1].pk}
    assert 'value="总务处"' in page and "保卫处" in page and "未指定部门" in page
    chosen = client_for(cast.alice).get(reverse("hazard_notice:notice_new"),
                                        {"hazards": f"{school.hazards[3].pk},x"}).content.decode()
    assert {int(pk) for pk in re.findall(r'value="(\d+)"[^>]*checked', chosen)} == {school.hazards[3].pk}


def test_a_grid_leader_issues_only_for_the_hazards_of_the_grids_they_lead(client_for, cast, school):
    client = client_for(cast.u_wang)
    page = client.get(reverse("hazard_notice:notice_new")).content.decode()
    assert "灭火器压力不足" in page and "窗户护栏松动" in page and "围墙开裂" not in page
    refused = client.post(reverse("hazard_notice:notice_new"), {
        "hazards": [school.hazards[2].pk], "recipient_department": "保卫处", "deadline": "2026-10-19",
        "requirements": "加固"})
    assert refused.status_code == 422 and RectificationNotice.objects.count() == 1
    issued = client.post(reverse("hazard_notice:notice_new"), {
        "hazards": [school.hazards[3].pk], "recipient": school.li.pk, "deadline": "2026-10-19", "requirements": "紧固"})
    assert issued.status_code == 302 and RectificationNotice.objects.count() == 2
    assert client_for(cast.u_li).get(reverse("hazard_notice:notice_new")).status_code == 403  # not a grid leader


def test_only_the_recipient_acknowledges_a_persons_notice(client_for, cast, school):
    notice = notices.issue(Actor(user=cast.alice), cast.school1, [school.hazards[3]], deadline=DEADLINE,
                           requirements="紧固护栏", recipient=school.wang)
    url = reverse("hazard_notice:notice_acknowledge", args=[notice.pk])
    assert client_for(cast.alice).post(url).status_code == 403  # the office acknowledges only for departments
    assert client_for(cast.u_li).post(url).status_code == 403
    detail = client_for(cast.u_wang).get(reverse("hazard_notice:notice_detail", args=[notice.pk])).content.decode()
    assert url in detail
    assert client_for(cast.u_wang).post(url).status_code == 302
    notice.refresh_from_db()
    assert notice.acknowledged_by == cast.u_wang and notice.acknowledged_at is not None


def test_a_departments_notice_is_acknowledged_by_its_staff_or_by_the_office_on_its_behalf(client_for, cast, school):
    url = reverse("hazard_notice:notice_acknowledge", args=[cast.notice.pk])
    assert client_for(cast.u_wang).post(url).status_code == 403  # reads it as a grid leader, not of 总务处
    assert client_for(cast.alice).post(url).status_code == 302
    cast.notice.refresh_from_db()
    assert cast.notice.acknowledged_by == cast.alice


def test_the_status_follows_the_hazards_on_the_pages(client_for, cast, school):
    client = client_for(cast.alice)
    detail = reverse("hazard_notice:notice_detail", args=[cast.notice.pk])
    assert "未签收" in client.get(detail).content.decode()
    notices.acknowledge(Actor(user=cast.u_li), cast.notice)
    assert "已签收，整改中" in client.get(detail).content.decode()
    listed = reverse("hazard_notice:notice_list")
    assert cast.notice.code not in client.get(listed, {"status": "closed"}).content.decode()
    Hazard.objects.filter(pk__in=[h.pk for h in school.hazards[:2]]).update(state="closed")
    assert "已全部销号" in client.get(detail).content.decode()
    assert cast.notice.code in client.get(listed, {"status": "closed"}).content.decode()
    assert cast.notice.code not in client.get(listed, {"status": "acknowledged"}).content.decode()


def test_the_list_filters_by_year_and_shows_recipients_their_own_notices(client_for, cast, school):
    old = notices.issue(Actor(user=cast.alice), cast.school1, [school.hazards[2]], deadline=DEADLINE,
                        requirements="加固", recipient=school.zhao)
    RectificationNotice.objects.filter(pk=old.pk).update(year=2025)
    page = client_for(cast.alice).get(reverse("hazard_notice:notice_list"), {"year": "2025"}).content.decode()
    assert "〔2025〕第002号" in page and "〔2026〕第001号" not in page
    mine = client_for(cast.u_zhao).get(reverse("hazard_notice:notice_list")).content.decode()
    assert "〔2025〕第002号" in mine and "〔2026〕第001号" not in mine
    assert client_for(cast.u_zhao).get(reverse("hazard_notice:notice_detail", args=[old.pk])).status_code == 200


def test_the_list_takes_the_same_queries_for_few_or_many_notices(client_for, cast, school):
    client = client_for(cast.alice)
    client.get(reverse("hazard_notice:notice_list"))

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("hazard_notice:notice_list")).status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for person in (school.li, school.zhao, school.wang, school.li):
        notices.issue(Actor(user=cast.alice), cast.school1, school.hazards[2:], deadline=DEADLINE,
                      requirements="整改", recipient=person, recipient_department="后勤")
    assert count() == few


@needs_poppler
def test_the_printed_notice_reads_as_the_office_writes_it(client_for, cast, school, tmp_path):
    def text() -> str:
        response = client_for(cast.alice).get(reverse("hazard_notice:notice_pdf", args=[cast.notice.pk]))
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        path = tmp_path / "notice.pdf"
        path.write_bytes(response.content)
        out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
        return re.sub(r"\s+", "", out)

    printed = text()
    for expected in ("测试实验小学", "隐患整改通知书", "〔2026〕第001号", "总务处：", "教学楼/一层/101教室",
                     "灭火器压力不足", "插座松动", "一般", "立即更换灭火器，紧固插座",
                     "请于2026年10月20日前整改完毕并书面回复", "签发人：艾丽", "2026年10月12日",
                     "回执", "签收人：", "签收日期："):
        assert expected in printed, expected
    assert "在线签收" not in printed
    notices.acknowledge(Actor(user=cast.u_li), cast.notice)
    assert "签收人：李主任" in text() and "在线签收" in text()
