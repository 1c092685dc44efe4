"""The QR plates pages: an area's sheet of plates as a PDF, and what each plate says."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from campus.models import Place
from core.actions import create_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.inspections import make_checklist, make_schedule
from core.testing.school import make_school
from core.testing.views import ViewCase, check_view
from inspections.manage_views import plates_for

pytestmark = pytest.mark.django_db

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None or shutil.which("pdfinfo") is None,
                                   reason="poppler-utils (pdftotext, pdfinfo) is not installed")

CAMERA_ITEMS = [
    {"key": "c1", "group": "设备", "text": "摄像头画面清晰", "guidance": "看监控画面", "kind": "pass_fail"},
    {"key": "c2", "group": "设备", "text": "录像保存30天", "kind": "pass_fail"},
    {"key": "c3", "group": "设备", "text": "报警按钮有效", "guidance": "按下试报警", "kind": "pass_fail",
     "is_major": True},
]


def _school(cast):
    """school1's campus with a third classroom: the teaching building then holds five places."""
    if not hasattr(cast, "_plates_school"):
        school = make_school(cast.school1)
        school.room103 = create_object(Actor(), Place(organisation=cast.school1, name="103教室",
                                                      code=f"{cast.school1.code}-A103", kind="room",
                                                      parent=school.floor))
        cast._plates_school = school
    return cast._plates_school


@pytest.fixture
def school(cast):
    return _school(cast)


def run(tool: str, pdf: bytes, tmp_path) -> str:
    path = tmp_path / "plates.pdf"
    path.write_bytes(pdf)
    arguments = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(arguments, capture_output=True, text=True, check=True).stdout


CASES = [
    ViewCase("inspection_setup:plates"),
    ViewCase("inspection_setup:plates_pdf", args=lambda c: [_school(c).building.pk], writes=True, ok=(200,)),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)


def test_the_plates_page_lists_the_areas_with_their_place_counts(cast, school, client_for):
    page = client_for(cast.alice).get(reverse("inspection_setup:plates")).content.decode()
    assert "教学楼" in page and "操场" in page
    assert reverse("inspection_setup:plates_pdf", args=[school.building.pk]) in page
    assert reverse("inspection_setup:plates_pdf", args=[school.playground.pk]) in page
    assert "101教室" not in page  # rooms are printed with their area, not listed on their own
    assert ">5<" in page  # 教学楼, 一层, 101, 102, 103


@needs_poppler
def test_an_areas_plates_pdf_has_a_plate_per_place_four_to_a_page(cast, school, client_for, tmp_path):
    checklist = make_checklist(cast.school1)
    make_schedule(cast.school1, checklist, name="班级日查", grids=[school.class_grid])
    response = client_for(cast.alice).get(reverse("inspection_setup:plates_pdf", args=[school.building.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pdf = response.content
    pages = int(re.search(r"^Pages:\s+(\d+)$", run("pdfinfo", pdf, tmp_path), re.MULTILINE).group(1))
    assert pages == 2
    text = re.sub(r"\s+", "", run("pdftotext", pdf, tmp_path))
    for name in ("101教室", "102教室", "103教室", "一层", "教学楼"):
        assert name in text
    assert "消防日查" in text
    assert "测试实验小学" in text
    event = AuditEvent.objects.filter(action="export").first()
    assert event.object_type == "inspections.plates" and event.organisation == cast.school1


def test_a_sibling_schools_area_is_not_found(cast, school, client_for):
    other = make_school(cast.school2)
    response = client_for(cast.alice).get(reverse("inspection_setup:plates_pdf", args=[other.building.pk]))
    assert response.status_code == 404


def test_only_an_area_has_a_sheet_of_plates(cast, school, client_for):
    response = client_for(cast.alice).get(reverse("inspection_setup:plates_pdf", args=[school.room101.pk]))
    assert response.status_code == 404


def _plates(cast, area):
    request = RequestFactory().get("/")
    request.user = cast.alice
    return {p.place_name: p for p in plates_for(request, area)}


def test_a_plate_lists_the_checks_that_reach_its_place(cast, school):
    fire = make_checklist(cast.school1)
    camera = make_checklist(cast.school1, name="监控巡查", items=CAMERA_ITEMS)
    make_schedule(cast.school1, fire, name="班级日查", grids=[school.class_grid])  # covers 101 and 102
    make_schedule(cast.school1, camera, name="楼层周查", cadence="weekdays", weekdays="135", grid_kind="floor")
    make_schedule(cast.school1, camera, name="停用的计划", places=[school.room103], is_active=False)
    plates = _plates(cast, school.building)
    assert list(plates) == ["教学楼", "教学楼/一层", "教学楼/一层/101教室", "教学楼/一层/102教室",
                            "教学楼/一层/103教室"]  # by code
    room = plates["教学楼/一层/101教室"]
    assert room.what == ["消防日查"] and room.when == ["每天"] and room.code == f"{cast.school1.code}-A101"
    # Every major item is on the plate, before the first items.
    assert room.how[0] == "自动消防设施完好有效"
    assert room.how[1:4] == ["灭火器压力正常、在有效期内", "未归寝人数", "应急照明"]
    assert room.url.startswith("http://testserver/") and room.url.endswith(f"/{school.room101.qr_token}/")
    floor = plates["教学楼/一层"]
    assert floor.what == ["监控巡查"] and floor.when == ["每周一、周三、周五"]
    assert floor.how[0] == "按下试报警" and "看监控画面" in floor.how
    assert plates["教学楼/一层/103教室"].what == []  # only an inactive schedule names it
    assert plates["教学楼"].what == []


def test_a_key_location_gets_the_key_location_checks_and_is_marked(cast, school):
    fire = make_checklist(cast.school1)
    camera = make_checklist(cast.school1, name="监控巡查", items=CAMERA_ITEMS)
    make_schedule(cast.school1, fire, name="重点部位周查", cadence="weekdays", weekdays="2", key_locations=True)
    make_schedule(cast.school1, camera, name="操场日查", places=[school.playground], time_from="07:30",
                  time_to="08:00")
    plate = _plates(cast, school.playground)["操场"]
    assert plate.key_location
    assert plate.what == ["监控巡查", "消防日查"]
    assert plate.when == ["监控巡查：每天 07:30–08:00", "消防日查：每周二"]
    assert plate.how[:2] == ["按下试报警", "自动消防设施完好有效"]


def test_the_pdf_takes_the_same_number_of_queries_for_more_places_and_schedules(cast, school, client_for):
    client = client_for(cast.alice)
    url = reverse("inspection_setup:plates_pdf", args=[school.building.pk])
    checklist = make_checklist(cast.school1)
    make_schedule(cast.school1, checklist, name="班级日查", grids=[school.class_grid])
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(8):
        create_object(Actor(), Place(organisation=cast.school1, name=f"2{n:02d}室", code=f"t-A2{n:02d}", kind="room",
                                     parent=school.building, is_key_location=n % 2 == 0))
        other = make_checklist(cast.school1, name=f"排查表{n}")
        make_schedule(cast.school1, other, name=f"计划{n}", places=[school.room102], key_locations=True)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)


def test_the_plates_page_query_count_does_not_grow_with_areas(cast, school, client_for):
    client = client_for(cast.alice)
    url = reverse("inspection_setup:plates")
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for n in range(6):
        create_object(Actor(), Place(organisation=cast.school1, name=f"宿舍楼{n}", code=f"t-D{n}", kind="building"))
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "宿舍楼5" in page and len(many) == len(few)
