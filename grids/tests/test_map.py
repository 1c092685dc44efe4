"""The responsibility map (网格化管理责任图): every grid with its places, people and duties."""

import shutil
import subprocess

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.actions import create_object, update_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.views import ViewCase, check_view
from grids import actions
from grids.models import Grid
from people.models import Person, Post

pytestmark = pytest.mark.django_db

MAP = "gridmap:map"


def page(client, **params):
    return client.get(reverse(MAP), params).content.decode()


def test_the_map_shows_each_grid_with_its_places_people_and_duties(cast, school, client_for):
    update_object(Actor(), school.class_grid, duties="每日放学检查门窗电源")
    html = page(client_for(cast.leader1), on="2026-09-07")
    for text in ("学校安全领导小组", "一年级1班", "教学楼/一层/101教室", "班主任", "王老师", "班长", "小明",
                 "岗位「保安」", "赵保安", "每日放学检查门窗电源", "重点部位", "白天"):
        assert text in html, text
    assert html.count("<summary><b>") == 6  # one collapsible node per grid


def test_phones_are_masked_except_for_the_safety_office(cast, school, client_for):
    masked = page(client_for(cast.leader1), on="2026-09-07")
    assert "138****5678" in masked and "13812345678" not in masked
    assert "13812345678" in page(client_for(cast.alice), on="2026-09-07")


def test_the_map_is_of_the_chosen_day(cast, school, client_for):
    html = page(client_for(cast.alice), on="2026-08-31")  # before anyone starts
    assert "王老师" not in html and "无责任人" in html


def test_a_leaver_still_assigned_is_marked(cast, school, client_for):
    import datetime

    update_object(Actor(), school.wang, status="left", left_on=datetime.date(2026, 9, 5))
    assert "已离开" in page(client_for(cast.alice), on="2026-09-07")


def test_the_map_prints_as_an_a4_pdf_with_chinese_fonts(cast, school, client_for, tmp_path):
    response = client_for(cast.alice).get(reverse("gridmap:map_pdf"), {"on": "2026-09-07"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="export", object_type="grids.grid").exists()
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed: the embedded font cannot be checked")
    path = tmp_path / "map.pdf"
    path.write_bytes(response.content)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk and all(" yes " in line for line in cjk), fonts


def _grow(cast, school, n):
    """n more grids, each with places, a person, and a post with a holder."""
    from campus.models import Place
    from people.actions import hold_post

    start = school.class_head.start
    for i in range(n):
        place = create_object(Actor(), Place(organisation=cast.school1, name=f"20{i}室", code=f"x-{i}-{n}",
                                             kind="room", parent=school.floor))
        grid = actions.save_grid(Actor(), Grid(organisation=cast.school1, name=f"扩展网格{n}-{i}", kind="department",
                                               parent=school.floor_grid), places=[place],
                                 time_slots=[school.day_slot])
        teacher = create_object(Actor(), Person(organisation=cast.school1, name=f"老师{n}-{i}", category="staff",
                                                phone="13900001111"))
        post = create_object(Actor(), Post(organisation=cast.school1, name=f"保洁{n}-{i}"))
        hold_post(Actor(), post, teacher, start)
        actions.assign(Actor(), grid, role="point_head", person=teacher, start=start)
        actions.assign(Actor(), grid, role="specific", post=post, start=start)


@pytest.mark.parametrize("name", [MAP, "gridmap:map_pdf"])
def test_the_query_count_does_not_grow_with_the_school(cast, school, client_for, name):
    client = client_for(cast.alice)
    url = reverse(name)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"on": "2026-09-07"}).status_code == 200
        return len(ctx)

    queries()  # warm the session
    small = queries()
    _grow(cast, school, 15)
    assert queries() == small


def test_a_sibling_school_cannot_see_the_map(cast, school, client_for):
    client = client_for(cast.charlie)
    assert client.get(reverse(MAP), {"org": cast.school1.pk}).status_code == 404
    assert client.get(reverse("gridmap:map_pdf"), {"org": cast.school1.pk}).status_code == 404


def test_the_bureau_picks_a_school(cast, school, client_for):
    client = client_for(cast.bureau_admin)
    assert cast.school1.name in page(client)
    assert "一年级1班" in page(client, org=cast.school1.pk, on="2026-09-07")


CASES = [
    ViewCase(MAP, refused=None),
    ViewCase("gridmap:map_pdf", refused=None, writes=True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)
