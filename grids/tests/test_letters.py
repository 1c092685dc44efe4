"""Responsibility letters (安全责任状, 方案9): generated level by level from the grid, signed in the app."""

import datetime
import shutil
import subprocess

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from core.actions import create_object, update_object
from core.audit import Actor
from core.models import AuditEvent
from core.testing.personas import make_user
from core.testing.views import ViewCase, check_view
from grids import actions, letters
from grids.models import Grid, ResponsibilityLetter
from orgs.roles import Role
from people.models import Person, Post

pytestmark = pytest.mark.django_db

YEAR = "2026-2027"


def parties(found):
    return {(letter.template, letter.issuer.name, letter.signer.name) for letter in found}


def generated(organisation, **kwargs):
    return letters.generate_letters(Actor(), organisation, YEAR, **kwargs)


def letter_of(template, signer_name):
    return ResponsibilityLetter.objects.get(academic_year=YEAR, template=template, signer__name=signer_name)


def person(cast, name, staff_no, category="staff"):
    return create_object(Actor(), Person(organisation=cast.school1, name=name, staff_no=staff_no, category=category))


def grid(cast, name, kind, parent):
    return actions.save_grid(Actor(), Grid(organisation=cast.school1, name=name, kind=kind, parent=parent))


def embedded_fonts(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


def assert_cjk_pdf(response, tmp_path):
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    if shutil.which("pdffonts") is None:
        pytest.skip("pdffonts (poppler-utils) is not installed: the embedded font cannot be checked")
    fonts = embedded_fonts(response.content, tmp_path)
    cjk = [line for line in fonts.splitlines() if "CJK" in line]
    assert cjk, fonts
    assert all(" yes " in line for line in cjk), fonts  # embedded (and subset)


# --- academic years ----------------------------------------------------------------------------------

def test_an_academic_year_starts_on_september_first():
    assert letters.academic_year_of(datetime.date(2026, 8, 31)) == "2025-2026"
    assert letters.academic_year_of(datetime.date(2026, 9, 1)) == "2026-2027"
    assert letters.year_bounds("2026-2027") == (datetime.date(2026, 9, 1), datetime.date(2027, 8, 31))


@pytest.mark.parametrize("year", ["2026", "2026-2028", "abcd-efgh", ""])
def test_a_malformed_academic_year_is_refused(year):
    with pytest.raises(ValidationError):
        letters.year_bounds(year)


# --- generation --------------------------------------------------------------------------------------

def test_letters_follow_the_grid_of_the_test_school(cast, school):
    assert parties(generated(cast.school1)) == {
        ("deputy_middle", "李主任", "王老师"),   # 一层网格 (三级) under 教学楼网格's 楼长
        ("middle_staff", "李主任", "王老师"),    # 一年级1班: 王老师 also holds the floor above, so 李主任 issues
        ("teacher_student", "王老师", "小明"),   # the head teacher with the class monitor
        ("safety_service", "李主任", "赵保安"),  # the guard, through the post 保安, with the leading group
    }


def test_nobody_signs_a_letter_with_themselves(cast, school):
    assert not [x for x in generated(cast.school1) if x.issuer_id == x.signer_id]


def test_leadership_deputies_and_departments_sign_with_the_level_above(cast, school):
    deputy, bursar = person(cast, "孙副校长", "T020"), person(cast, "钱主任", "T021")
    deputy_grid = grid(cast, "分管副校长", "leadership", school.leadership)
    office = grid(cast, "总务处网格", "department", deputy_grid)
    actions.assign(Actor(), deputy_grid, role="direct", person=deputy, start=school.class_head.start)
    actions.assign(Actor(), office, role="point_head", person=bursar, start=school.class_head.start)
    found = parties(generated(cast.school1))
    assert ("leader_deputy", "李主任", "孙副校长") in found
    assert ("middle_staff", "孙副校长", "钱主任") in found


def test_canteen_staff_sign_the_safety_leads_letter_each_in_their_own_name(cast, school):
    from people.actions import hold_post

    start = school.class_head.start
    canteen = create_object(Actor(), Post(organisation=cast.school1, name="食堂从业人员"))
    for name, no in (("周厨师", "C001"), ("吴帮厨", "C002")):
        hold_post(Actor(), canteen, person(cast, name, no, "contract"), start)
    kitchen = grid(cast, "食堂网格", "department", school.leadership)
    actions.assign(Actor(), kitchen, role="specific", post=canteen, start=start)
    found = parties(generated(cast.school1))
    assert {("safety_service", "李主任", "周厨师"), ("safety_service", "李主任", "吴帮厨")} <= found


def test_the_issuer_is_the_highest_ranked_holder_of_the_grid_above(cast, school):
    principal = person(cast, "周校长", "T030")
    actions.assign(Actor(), school.building_grid, role="first", person=principal, start=school.class_head.start)
    found = parties(generated(cast.school1))
    assert ("deputy_middle", "周校长", "王老师") in found and ("deputy_middle", "李主任", "王老师") not in found


def test_a_grid_whose_parent_has_nobody_gets_no_letter(cast, school):
    from core.actions import delete_object

    for assignment in list(school.building_grid.assignments.all()):
        delete_object(Actor(), assignment)
    found = parties(generated(cast.school1))
    assert ("deputy_middle", "李主任", "王老师") not in found and ("middle_staff", "李主任", "王老师") not in found


def test_generation_reads_the_grid_on_the_given_day(cast, school):
    assert generated(cast.school1, on=datetime.date(2026, 8, 31)) == []  # nobody holds a grid before Sept 1st


def test_generation_is_idempotent(cast, school):
    first = generated(cast.school1)
    events = AuditEvent.objects.count()
    assert first and generated(cast.school1) == []
    assert ResponsibilityLetter.objects.count() == len(first) and AuditEvent.objects.count() == events


def test_generation_adds_only_the_letters_that_are_missing(cast, school):
    generated(cast.school1)
    letter_of("teacher_student", "小明").delete()
    assert parties(generated(cast.school1)) == {("teacher_student", "王老师", "小明")}


def test_the_letter_names_the_parties_grid_places_duties_and_year(cast, school):
    update_object(Actor(), school.floor_grid, duties="检查本层消防器材和楼梯扶手")
    generated(cast.school1)
    letter = letter_of("deputy_middle", "王老师")
    assert letter.title == "2026-2027学年安全责任状（分管副校长与中层干部）"
    for text in ("甲方（分管副校长）：李主任", "乙方（中层干部）：王老师", "测试实验小学", "一层网格网格长",
                 "教学楼/一层", "检查本层消防器材和楼梯扶手。", "2026年9月1日", "2027年8月31日", "2026-2027学年"):
        assert text in letter.body, text
    assert letter.grid == school.floor_grid and letter.organisation == cast.school1


@pytest.mark.parametrize("template", list(letters.BODIES))
def test_every_letter_text_covers_the_duties_of_plan_9(template):
    text = str(letters.BODIES[template]) + str(letters.PERIOD)
    for part in ("责任范围", "定人、定岗、定责", "隐患排查", "一岗双责", "责任倒查", "期限"):
        assert part in text, (template, part)


def test_the_text_is_split_into_headed_sections(cast, school):
    generated(cast.school1)
    blocks = letters.body_blocks(letter_of("teacher_student", "小明").body)
    assert ("heading", "七、期限") in blocks
    assert blocks[0] == ("parties", "甲方（班主任）：王老师\n乙方（学生班长）：小明") and blocks[1][0] == "para"


# --- signing -----------------------------------------------------------------------------------------

@pytest.fixture
def letter(cast, school):
    generated(cast.school1)
    return letter_of("deputy_middle", "王老师")


@pytest.fixture
def wang_user(cast, school):
    """王老师's own account: a school1 member who manages nothing."""
    user = make_user("wang", cast.school1, Role.GRID_MEMBER, name="王老师")
    update_object(Actor(), school.wang, user=user)
    return user


def last_event(letter):
    return AuditEvent.objects.filter(object_type="grids.responsibilityletter", object_id=str(letter.pk)).order_by(
        "pk").last()


def sign_url(letter):
    return reverse("letters:sign", args=[letter.pk])


def test_a_party_signs_with_their_name_and_the_time_and_address_are_kept(cast, letter, wang_user, client_for):
    response = client_for(wang_user).post(sign_url(letter), {"side": "signer", "name": " 王老师 "},
                                          REMOTE_ADDR="192.0.2.10")
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.signer_signed_name == "王老师" and letter.signer_signed_ip == "192.0.2.10"
    assert letter.signer_signed_at is not None and letter.issuer_signed_at is None and not letter.is_signed
    event = last_event(letter)
    assert event.changes["signer_signed_name"] == ["", "王老师"] and "recorded_by_office" not in event.changes


def test_a_wrong_name_is_refused(cast, letter, wang_user, client_for):
    response = client_for(wang_user).post(sign_url(letter), {"side": "signer", "name": "王五"}, follow=True)
    assert "签名须与乙方姓名“王老师”一致" in response.content.decode()
    letter.refresh_from_db()
    assert letter.signer_signed_at is None


def test_a_side_is_signed_only_once(cast, letter, wang_user):
    first = datetime.datetime(2026, 9, 2, 8, tzinfo=datetime.UTC)
    stale = ResponsibilityLetter.objects.get(pk=letter.pk)  # a second form submitted from an old page
    letters.sign(Actor(user=wang_user, ip="192.0.2.10"), letter, "signer", "王老师", now=first)
    with pytest.raises(ValidationError, match="乙方已签署"):
        letters.sign(Actor(user=wang_user, ip="192.0.2.99"), stale, "signer", "王老师")
    letter.refresh_from_db()
    assert letter.signer_signed_at == first and letter.signer_signed_ip == "192.0.2.10"


def test_a_double_submit_through_the_page_changes_nothing(cast, letter, wang_user, client_for):
    client = client_for(wang_user)
    client.post(sign_url(letter), {"side": "signer", "name": "王老师"})
    letter.refresh_from_db()
    signed_at = letter.signer_signed_at
    response = client.post(sign_url(letter), {"side": "signer", "name": "王老师"}, follow=True)
    assert "乙方已签署，不能重复签署" in response.content.decode()
    letter.refresh_from_db()
    assert letter.signer_signed_at == signed_at


def test_the_other_party_cannot_sign_for_you(cast, letter, wang_user, client_for):
    response = client_for(wang_user).post(sign_url(letter), {"side": "issuer", "name": "李主任"})
    assert response.status_code == 403
    letter.refresh_from_db()
    assert letter.issuer_signed_at is None
    with pytest.raises(PermissionDenied):
        letters.sign(Actor(user=wang_user), letter, "issuer", "李主任")


def test_someone_unrelated_cannot_sign(cast, letter, client_for):
    assert client_for(cast.duty1).post(sign_url(letter), {"side": "signer", "name": "王老师"}).status_code == 403


def test_the_safety_office_records_a_signature_made_on_paper(cast, letter, client_for):
    response = client_for(cast.alice).post(sign_url(letter), {"side": "issuer", "name": "李主任"},
                                           REMOTE_ADDR="192.0.2.20")
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.issuer_signed_name == "李主任" and letter.issuer_signed_ip == "192.0.2.20"
    event = last_event(letter)
    assert event.actor == cast.alice and event.changes["recorded_by_office"] == [None, "艾丽"]


def test_the_sign_form_shows_only_the_sides_one_may_sign(cast, letter, wang_user, client_for):
    page = client_for(wang_user).get(reverse("letters:letter_detail", args=[letter.pk])).content.decode()
    assert 'value="signer"' in page and 'value="issuer"' not in page
    page = client_for(cast.alice).get(reverse("letters:letter_detail", args=[letter.pk])).content.decode()
    assert 'value="signer"' in page and 'value="issuer"' in page and "代签" in page


def test_my_letters_lists_what_waits_for_my_signature(cast, letter, wang_user, client_for):
    response = client_for(wang_user).get(reverse("letters:my_letters"))
    rows = response.context["rows"]
    assert {r["letter"].template for r in rows} == {"deputy_middle", "middle_staff", "teacher_student"}
    assert response.context["to_sign"] == 3


def test_my_letters_without_a_linked_person_says_so(cast, client_for):
    page = client_for(cast.duty1).get(reverse("letters:my_letters")).content.decode()
    assert "还没有关联人员信息" in page


# --- handover ----------------------------------------------------------------------------------------

@pytest.fixture
def successor(cast):
    return person(cast, "陈老师", "T010")


def test_a_handover_asks_the_successor_to_sign_the_predecessors_letter(cast, school, successor, day):
    generated(cast.school1)
    actions.handover(Actor(), school.class_head, on=day, person=successor)
    letter = ResponsibilityLetter.objects.get(signer=successor)
    assert (letter.academic_year, letter.template, letter.issuer) == (YEAR, "middle_staff", school.li)
    assert letter.grid == school.class_grid and letter.assignment.handed_over_from == school.class_head


def test_a_handover_without_a_letter_derives_it_from_the_grid(cast, school, successor, day):
    actions.handover(Actor(), school.class_head, on=day, person=successor)
    letter = ResponsibilityLetter.objects.get(signer=successor)
    assert (letter.template, letter.issuer) == ("middle_staff", school.wang)  # 王老师 still heads the floor


def test_a_handover_to_a_post_asks_each_holder(cast, school, day):
    actions.handover(Actor(), school.class_head, on=day, post=school.guard_post)
    assert parties(ResponsibilityLetter.objects.filter(signer=school.zhao)) == {
        ("safety_service", "王老师", "赵保安")}


def test_a_handover_through_the_page_creates_the_letter(cast, school, successor, client_for):
    client_for(cast.alice).post(reverse("grids:handover", args=[school.class_head.pk]),
                                {"on": "2026-10-31", "person": successor.pk})
    assert ResponsibilityLetter.objects.filter(signer=successor, academic_year=YEAR).exists()


# --- list, counts and PDFs ---------------------------------------------------------------------------

def test_the_list_counts_unsigned_letters_per_level(cast, school, client_for):
    generated(cast.school1)
    office = Actor(user=cast.alice)
    both = letter_of("teacher_student", "小明")
    letters.sign(office, both, "issuer", "王老师")
    letters.sign(office, both, "signer", "小明")
    letters.sign(office, letter_of("deputy_middle", "王老师"), "signer", "王老师")
    response = client_for(cast.alice).get(reverse("letters:letter_list"), {"year": YEAR})
    counts = {c["template"]: (c["total"], c["unsigned"], c["issuer_unsigned"], c["signer_unsigned"])
              for c in response.context["counts"]}
    assert counts == {"leader_deputy": (0, 0, 0, 0), "deputy_middle": (1, 1, 1, 0), "middle_staff": (1, 1, 1, 1),
                      "teacher_student": (1, 0, 0, 0), "safety_service": (1, 1, 1, 1)}


@pytest.mark.parametrize(("status", "expected"), [("unsigned", 3), ("signed", 1), ("", 4)])
def test_the_list_filters_by_signature(cast, school, client_for, status, expected):
    generated(cast.school1)
    both = letter_of("teacher_student", "小明")
    letters.sign(Actor(user=cast.alice), both, "issuer", "王老师")
    letters.sign(Actor(user=cast.alice), both, "signer", "小明")
    response = client_for(cast.alice).get(reverse("letters:letter_list"), {"year": YEAR, "status": status})
    assert response.context["page"].paginator.count == expected


def test_the_list_filters_by_template(cast, school, client_for):
    generated(cast.school1)
    response = client_for(cast.alice).get(reverse("letters:letter_list"), {"year": YEAR, "template": "safety_service"})
    assert [x.signer.name for x in response.context["page"]] == ["赵保安"]


def test_the_generate_button_creates_the_years_letters(cast, school, client_for):
    response = client_for(cast.alice).post(reverse("letters:generate"), {"org": cast.school1.pk, "year": YEAR})
    assert response.status_code == 302 and ResponsibilityLetter.objects.filter(academic_year=YEAR).count() == 4


def test_the_generate_button_refuses_a_bad_year(cast, school, client_for):
    response = client_for(cast.alice).post(reverse("letters:generate"), {"org": cast.school1.pk, "year": "2026"},
                                           follow=True)
    assert "学年格式" in response.content.decode() and not ResponsibilityLetter.objects.exists()


def test_a_letter_prints_as_a_pdf_with_chinese_fonts(cast, letter, client_for, tmp_path):
    response = client_for(cast.leader1).get(reverse("letters:letter_pdf", args=[letter.pk]))
    assert_cjk_pdf(response, tmp_path)


def test_a_schools_letters_print_as_one_pdf(cast, school, client_for, tmp_path):
    generated(cast.school1)
    response = client_for(cast.alice).get(reverse("letters:letters_pdf"), {"org": cast.school1.pk, "year": YEAR})
    assert_cjk_pdf(response, tmp_path)
    event = AuditEvent.objects.filter(object_type="grids.responsibilityletter", action="export").order_by("pk").last()
    assert event.changes == {"letters": [None, 4]}


def test_the_combined_pdf_of_nothing_goes_back_to_the_list(cast, school, client_for):
    response = client_for(cast.alice).get(reverse("letters:letters_pdf"), {"year": YEAR})
    assert response.status_code == 302


def test_a_sibling_school_sees_none_of_it(cast, school, client_for):
    generated(cast.school1)
    client = client_for(cast.charlie)
    assert client.get(reverse("letters:letter_list"), {"org": cast.school1.pk}).status_code == 404
    assert client.get(reverse("letters:letters_pdf"), {"org": cast.school1.pk, "year": YEAR}).status_code == 404
    assert client.post(reverse("letters:generate"), {"org": cast.school1.pk, "year": YEAR}).status_code == 404
    mine = client.get(reverse("letters:letter_list"), {"year": YEAR})
    assert mine.context["page"].paginator.count == 0


def test_the_bureau_picks_a_school(cast, school, client_for):
    client = client_for(cast.bureau_admin)
    assert cast.school1.name in client.get(reverse("letters:letter_list")).content.decode()
    assert client.get(reverse("letters:letter_list"), {"org": cast.school1.pk}).status_code == 200


def test_the_list_query_count_does_not_grow(cast, school, client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    generated(cast.school1)
    client = client_for(cast.alice)

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("letters:letter_list"), {"year": YEAR}).status_code == 200
        return len(ctx)

    queries()
    few = queries()
    for i in range(20):
        teacher = person(cast, f"老师{i}", f"X{i:03d}")
        actions.assign(Actor(), school.class_grid, role="safety_officer", person=teacher,
                       start=school.class_head.start)
    assert len(generated(cast.school1)) == 20
    assert queries() == few


# --- every view's access rules -----------------------------------------------------------------------

def _letter(cast):
    """One letter of school1, made once per cast (the sign case needs the same one every time)."""
    if not hasattr(cast, "_letter"):
        from core.testing.factories import _school

        school = _school(cast)
        cast._letter = ResponsibilityLetter.objects.create(
            organisation=cast.school1, academic_year=YEAR, template="middle_staff", grid=school.class_grid,
            assignment=school.class_head, issuer=school.li, signer=school.wang, title="安全责任状",
            body="一、责任范围\n……")
    return cast._letter


def VC(*args, **kwargs):
    kwargs.setdefault("refused", "duty1")
    return ViewCase(*args, **kwargs)


CASES = [
    VC("letters:letter_list", refused=None),
    VC("letters:my_letters", refused=None),
    VC("letters:generate", method="post", writes=True, ok=(302,),
       data=lambda c: {"org": _letter(c).organisation_id, "year": YEAR}),
    VC("letters:letter_detail", args=lambda c: [_letter(c).pk], refused=None),
    VC("letters:sign", args=lambda c: [_letter(c).pk], method="post", writes=True, ok=(302,),
       data=lambda c: {"side": "issuer", "name": "李主任"}),
    VC("letters:letter_pdf", args=lambda c: [_letter(c).pk], refused=None, writes=True),
    VC("letters:letters_pdf"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)


# --- the PDF helper ----------------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://127.0.0.1:9/logo.png", "file:///etc/passwd", "ftp://example.com/x"])
def test_print_templates_reach_nothing_but_the_static_folder(url):
    from core.pdf import _local_fetcher

    with pytest.raises(ValueError):
        _local_fetcher().fetch(url)


def test_print_templates_may_use_static_files():
    from core.pdf import STATIC_DIR, _local_fetcher

    response = _local_fetcher().fetch((STATIC_DIR / "core" / "favicon.svg").as_uri())
    assert response is not None
