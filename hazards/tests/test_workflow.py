"""The rectification workflow: every transition and who may do it, the five fixes, escalation,
automatic overdue escalation, optimistic locking, and a property-based walk over action sequences."""

import datetime

import hypothesis
import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.audit import Actor
from core.models import AuditEvent
from core.testing.photos import jpeg_bytes
from hazards import workflow
from hazards.actions import add_photo, report
from hazards.choices import Level, PhotoKind, State
from hazards.models import Hazard, HazardEvent

D = datetime.date
pytestmark = pytest.mark.django_db


def new_hazard(cast, school, *, grade="general", grid=None, **extra) -> Hazard:
    return report(Actor(user=school.users.wang), Hazard(
        organisation=cast.school1, place=school.room101, grid=grid, grade=grade, topic="fire",
        description="101教室灭火器压力不足", **extra))


def photo(hazard, kind):
    add_photo(Actor(), hazard, SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg"), kind)


def act(user):
    return Actor(user=user)


FIVE = {"measures": "更换灭火器", "funds": "学校公用经费300元", "contingency_plan": "临时调配相邻楼层灭火器"}


def test_a_hazard_found_in_a_classroom_belongs_to_the_classrooms_grid(cast, school):
    hazard = new_hazard(cast, school)
    assert (hazard.state, hazard.level, hazard.grid, hazard.version) == (State.REPORTED, Level.GRID,
                                                                          school.class_grid, 1)
    assert list(hazard.events.values_list("action", "to_state")) == [("report", State.REPORTED)]


def test_assigning_needs_a_responsible_person_and_a_deadline(cast, school):
    hazard = new_hazard(cast, school)
    with pytest.raises(ValidationError) as error:
        workflow.assign(act(school.users.wang), hazard, 1, responsible=None, deadline=None)
    assert set(error.value.message_dict) == {"responsible", "deadline"}
    done = workflow.assign(act(school.users.wang), hazard, 1, responsible=school.wang, deadline=D(2026, 10, 9))
    assert (done.state, done.version, done.responsible) == (State.RECTIFYING, 2, school.wang)


def test_a_major_hazard_needs_all_five_fixes_before_rectification(cast, school):
    hazard = new_hazard(cast, school, grade="major")
    with pytest.raises(ValidationError) as error:
        workflow.assign(act(school.users.alice), hazard, 1, responsible=school.li, deadline=D(2026, 10, 9),
                        measures="更换")
    assert "五落实" in error.value.messages[0] and "整改资金" in error.value.messages[0]
    assert "应急预案" in error.value.messages[0] and "整改措施" not in error.value.messages[0]
    assert Hazard.objects.get().state == State.REPORTED
    done = workflow.assign(act(school.users.alice), hazard, 1, responsible=school.li, deadline=D(2026, 10, 9),
                           **FIVE)
    assert done.state == State.RECTIFYING and not done.five_fixes_missing
    with pytest.raises(ValidationError, match="重大隐患不能当场整改"):
        workflow.fix_on_spot(act(school.users.wang), new_hazard(cast, school, grade="major"), 1, note="已处理")


def test_fixing_needs_an_after_photo_and_the_fixer_cannot_verify_their_own_fix(cast, school):
    hazard = workflow.assign(act(school.users.wang), new_hazard(cast, school), 1, responsible=school.wang,
                             deadline=D(2026, 10, 9))
    with pytest.raises(ValidationError, match="整改后的照片"):
        workflow.submit_fix(act(school.users.wang), hazard, 2, note="已更换")
    photo(hazard, PhotoKind.AFTER)
    hazard = workflow.submit_fix(act(school.users.wang), hazard, 2, note="已更换")
    assert (hazard.state, hazard.fixed_by) == (State.AWAITING_VERIFICATION, school.users.wang)
    with pytest.raises(PermissionDenied, match="整改人不能验收"):
        workflow.verify(act(school.users.wang), hazard, 3)
    with pytest.raises(PermissionDenied):  # the guard holds no grid above the classroom
        workflow.verify(act(school.users.zhao), hazard, 3)
    rejected = workflow.reject(act(school.users.li), hazard, 3, reason="灭火器型号不符")
    assert (rejected.state, rejected.rejection_reason, rejected.fixed_by) == (State.RECTIFYING, "灭火器型号不符", None)
    fixed = workflow.submit_fix(act(school.users.wang), rejected, 4, note="已换为ABC型")
    closed = workflow.verify(act(school.users.li), fixed, 5)  # 李主任: building head, a grid above
    assert (closed.state, closed.verified_by) == (State.CLOSED, school.users.li)
    assert list(closed.events.values_list("action", flat=True)) == [
        "report", "assign", "submit_fix", "reject", "submit_fix", "verify"]
    assert AuditEvent.objects.filter(object_type="hazards.hazard", object_id=str(hazard.pk)).count() == 6


def test_fixed_on_the_spot_goes_straight_to_verification_with_before_and_after_photos(cast, school):
    hazard = new_hazard(cast, school)
    photo(hazard, PhotoKind.AFTER)
    with pytest.raises(ValidationError, match="整改前和整改后"):
        workflow.fix_on_spot(act(school.users.wang), hazard, 1, note="已清理")
    photo(hazard, PhotoKind.BEFORE)
    hazard = workflow.fix_on_spot(act(school.users.wang), hazard, 1, note="已清理")
    assert hazard.state == State.AWAITING_VERIFICATION
    assert workflow.verify(act(school.users.alice), hazard, 2).state == State.CLOSED


def test_only_the_grids_people_those_above_and_the_safety_office_handle_it(cast, school):
    hazard = new_hazard(cast, school)
    with pytest.raises(PermissionDenied):
        workflow.assign(act(school.users.zhao), hazard, 1, responsible=school.zhao, deadline=D(2026, 10, 9))
    with pytest.raises(PermissionDenied):
        workflow.assign(act(cast.charlie), hazard, 1, responsible=school.wang, deadline=D(2026, 10, 9))
    for user in (school.users.wang, school.users.li, school.users.alice):
        assert workflow.can_handle(user, hazard)


def test_escalation_climbs_the_grid_tree_then_the_school_the_bureau_and_the_government(cast, school):
    hazard = new_hazard(cast, school)
    steps = []
    for user in (school.users.wang, school.users.wang, school.users.li, school.users.alice, cast.bureau_admin):
        hazard = workflow.escalate(act(user), hazard, hazard.version, reason="超出处理能力",
                                   government_reference="城府安〔2026〕12号" if hazard.level == Level.BUREAU else "")
        steps.append((hazard.level, hazard.grid.name if hazard.level == Level.GRID else ""))
    assert steps == [(Level.GRID, "一层网格"), (Level.GRID, "教学楼网格"), (Level.GRID, "学校安全领导小组"),
                     (Level.SCHOOL, ""), (Level.BUREAU, "")]
    assert hazard.state == State.REPORTED
    with pytest.raises(PermissionDenied):  # with the bureau now: the school no longer handles it
        workflow.escalate(act(school.users.alice), hazard, hazard.version, reason="超出处理能力",
                          government_reference="x")
    with pytest.raises(ValidationError, match="文号"):
        workflow.escalate(act(cast.bureau_admin), hazard, hazard.version, reason="超出处理能力")
    hazard = workflow.escalate(act(cast.bureau_admin), hazard, hazard.version, reason="超出处理能力",
                               government_reference="城府安〔2026〕12号")
    assert (hazard.level, hazard.government_reference) == (Level.GOVERNMENT, "城府安〔2026〕12号")


def test_an_overdue_hazard_escalates_one_level_a_day_and_is_flagged(cast, school):
    hazard = workflow.assign(act(school.users.wang), new_hazard(cast, school), 1, responsible=school.wang,
                             deadline=D(2026, 10, 9))
    at = timezone.make_aware(datetime.datetime(2026, 10, 9, 23, 0))
    with time_machine.travel(at, tick=False):
        assert workflow.escalate_overdue(D(2026, 10, 9)) == []  # the deadline day itself is not overdue
    with time_machine.travel(at + datetime.timedelta(hours=2), tick=False):
        assert [h.pk for h in workflow.escalate_overdue(D(2026, 10, 10))] == [hazard.pk]
        assert workflow.escalate_overdue(D(2026, 10, 10)) == []  # once a day
    hazard.refresh_from_db()
    assert (hazard.grid, hazard.is_overdue, hazard.state) == (school.floor_grid, True, State.RECTIFYING)
    event = hazard.events.get(action="escalate")
    assert event.actor is None and "逾期未整改" in event.reason


def test_two_people_acting_on_the_same_version_the_second_is_told_to_reload(cast, school):
    hazard = new_hazard(cast, school)
    seen_by_both = hazard.version
    workflow.assign(act(school.users.wang), hazard, seen_by_both, responsible=school.wang, deadline=D(2026, 10, 9))
    with pytest.raises(workflow.Conflict, match="刷新页面"):
        workflow.escalate(act(school.users.li), hazard, seen_by_both, reason="超出处理能力")
    assert Hazard.objects.get().version == 2 and HazardEvent.objects.filter(action="escalate").count() == 0


# --- property-based: no sequence of actions reaches an invalid state or skips verification ----------

ACTORS = ["wang", "li", "zhao", "alice", "admin"]
ACTIONS = ["assign", "assign_incomplete", "fix_on_spot", "submit_fix", "verify", "reject", "escalate",
           "photo_before", "photo_after", "stale"]
ANY_STEP = st.tuples(st.sampled_from(ACTIONS), st.sampled_from(ACTORS)).map(lambda step: [step])
# Runs of steps that make progress, so the walks also reach 待验收 and 已销号 — mixed with any step at all.
PROGRESS = st.sampled_from([
    [("photo_after", "wang"), ("assign", "li"), ("submit_fix", "wang")],
    [("photo_before", "wang"), ("photo_after", "wang"), ("fix_on_spot", "wang")],
    [("verify", "li")], [("verify", "alice")], [("reject", "alice")], [("submit_fix", "li")],
])
STEPS = st.lists(st.one_of(ANY_STEP, PROGRESS), min_size=1, max_size=10).map(
    lambda runs: [step for run in runs for step in run])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(grade=st.sampled_from(["general", "major"]), steps=STEPS)
def test_no_sequence_of_actions_reaches_an_invalid_state_or_closes_unverified(cast, school, grade, steps):
    hazard = new_hazard(cast, school, grade=grade)
    for action, who in steps:
        user = getattr(school.users, who)
        hazard.refresh_from_db()
        version = hazard.version
        try:
            if action == "photo_before":
                photo(hazard, PhotoKind.BEFORE)
            elif action == "photo_after":
                photo(hazard, PhotoKind.AFTER)
            elif action == "assign":
                workflow.assign(act(user), hazard, version, responsible=school.wang, deadline=D(2026, 10, 9), **FIVE)
            elif action == "assign_incomplete":
                workflow.assign(act(user), hazard, version, responsible=school.wang, deadline=D(2026, 10, 9))
            elif action == "fix_on_spot":
                workflow.fix_on_spot(act(user), hazard, version, note="已处理")
            elif action == "submit_fix":
                workflow.submit_fix(act(user), hazard, version, note="已处理")
            elif action == "verify":
                workflow.verify(act(user), hazard, version)
            elif action == "reject":
                workflow.reject(act(user), hazard, version, reason="不合格")
            elif action == "escalate":
                workflow.escalate(act(user), hazard, version, reason="超出处理能力", government_reference="文号1")
            elif action == "stale" and version > 1:
                with pytest.raises(workflow.Conflict):
                    workflow.escalate(act(user), hazard, version - 1, reason="x", government_reference="x")
        except (ValidationError, PermissionDenied):
            pass
        hazard.refresh_from_db()
        events = list(hazard.events.order_by("id"))
        # The state is one of the four, the version counts the transitions, and every step was an allowed edge.
        assert hazard.state in State.values
        assert hazard.version == len(events)  # the report event plus one per transition
        previous = None
        for event in events:
            assert event.from_state == (previous or "")
            if event.action != "report":
                sources, target = workflow.EDGES[event.action]
                assert event.from_state in sources and event.to_state == (target or event.from_state)
            previous = event.to_state
        assert previous == hazard.state
        # Never closed without a fix and a verification by someone else; major never without five fixes.
        if hazard.state == State.CLOSED:
            assert hazard.fixed_by_id and hazard.verified_by_id and hazard.fixed_by_id != hazard.verified_by_id
            assert [e.action for e in events][-1] == "verify"
            assert hazard.photos.filter(kind=PhotoKind.AFTER).exists()
        if hazard.state in (State.RECTIFYING, State.AWAITING_VERIFICATION, State.CLOSED) and grade == "major":
            assert not hazard.five_fixes_missing
        if hazard.state == State.AWAITING_VERIFICATION:
            assert hazard.fixed_by_id and hazard.photos.filter(kind=PhotoKind.AFTER).exists()
    hypothesis.event(f"ended {hazard.state}")  # --hypothesis-show-statistics: the walk reaches every state


def test_each_failed_inspection_item_raises_a_hazard_once_and_a_major_item_a_major_one(cast, school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from core.testing.inspections import ALL_PASS, do_inspection, make_checklist, make_schedule
    from core.testing.photos import jpeg_bytes
    from hazards.actions import from_finding

    checklist = make_checklist(cast.school1)
    schedule = make_schedule(cast.school1, checklist, grids=[school.class_grid])
    photo_file = SimpleUploadedFile("p.jpg", jpeg_bytes(), content_type="image/jpeg")
    inspection, _ = do_inspection(schedule, grid=school.class_grid, place=school.room102, on=D(2026, 9, 28),
                                  answers={**ALL_PASS, "f2": "fail", "f3": "2"}, notes={"f2": "报警主机故障"},
                                  photos={"f2": [photo_file]})
    hazards = {h.finding.item.key: h for h in Hazard.objects.select_related("finding__item")}
    assert set(hazards) == {"f2", "f3"}
    major, general = hazards["f2"], hazards["f3"]
    assert (major.grade, major.source, major.place, major.grid, major.state) == (
        "major", "inspection", school.room102, school.class_grid, State.REPORTED)
    assert "自动消防设施" in major.description and "报警主机故障" in major.description
    assert general.grade == "general" and "未归寝人数" in general.description
    assert from_finding(act(school.users.wang), general.finding) == general and Hazard.objects.count() == 2


def test_the_daily_job_flags_hazards_left_overnight_and_escalates_the_overdue(cast, school):
    from django.core.management import call_command

    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 9, 15, 0)), tick=False):
        untouched = new_hazard(cast, school)
        acted = workflow.assign(act(school.users.wang), new_hazard(cast, school), 1, responsible=school.wang,
                                deadline=D(2026, 10, 9))
        call_command("hazards_daily", "--date", "2026-10-09")  # the same day: nothing yet
    untouched.refresh_from_db()
    assert not untouched.left_overnight
    with time_machine.travel(timezone.make_aware(datetime.datetime(2026, 10, 10, 0, 30)), tick=False):
        call_command("hazards_daily", "--date", "2026-10-10")
    untouched.refresh_from_db()
    acted.refresh_from_db()
    assert untouched.left_overnight and not acted.left_overnight  # acted on the day it was found
    assert acted.is_overdue and acted.grid == school.floor_grid  # its deadline passed: one level up


# Who may do what, per role, on a hazard of the class grid (一年级1班, under 一层网格 under 教学楼网格).
# The set-up steps are taken by the safety office (alice), so alice is the fixer and may not verify.
HANDLERS = {"admin", "leader1", "alice", "li", "wang"}  # bureau and school managers, the grid and those above
VERIFIERS = {"admin", "leader1", "li", "wang"}  # not the fixer; wang heads 一层网格, above the class grid
PERSONAS = ["admin", "leader1", "alice", "duty1", "li", "wang", "zhao", "charlie"]


def persona(cast, school, name):
    return getattr(school.users, name, None) or getattr(cast, name)


def prepare(cast, school, action):
    alice = act(school.users.alice)
    hazard = new_hazard(cast, school)
    if action in ("submit_fix", "verify", "reject"):
        hazard = workflow.assign(alice, hazard, hazard.version, responsible=school.wang, deadline=D(2026, 12, 9))
        photo(hazard, PhotoKind.AFTER)
    if action in ("verify", "reject"):
        hazard = workflow.submit_fix(alice, hazard, hazard.version, note="已整改")
    if action == "fix_on_spot":
        photo(hazard, PhotoKind.BEFORE)
        photo(hazard, PhotoKind.AFTER)
    return hazard


CALLS = {
    "assign": lambda a, h, school: workflow.assign(a, h, h.version, responsible=school.wang, deadline=D(2026, 12, 9)),
    "fix_on_spot": lambda a, h, school: workflow.fix_on_spot(a, h, h.version, note="已清理"),
    "submit_fix": lambda a, h, school: workflow.submit_fix(a, h, h.version, note="已整改"),
    "verify": lambda a, h, school: workflow.verify(a, h, h.version),
    "reject": lambda a, h, school: workflow.reject(a, h, h.version, reason="未整改到位"),
    "escalate": lambda a, h, school: workflow.escalate(a, h, h.version, reason="超出处理能力"),
}


@pytest.mark.parametrize("action", list(CALLS))
@pytest.mark.parametrize("name", PERSONAS)
def test_every_transition_and_who_may_take_it_per_role(cast, school, action, name):
    hazard = prepare(cast, school, action)
    allowed = (VERIFIERS if action in ("verify", "reject") else HANDLERS)
    user = persona(cast, school, name)
    if name in allowed:
        done = CALLS[action](act(user), hazard, school)
        assert done.state == (workflow.EDGES[action][1] or hazard.state)
        assert done.events.last().action == action and done.events.last().actor == user
    else:
        with pytest.raises(PermissionDenied):
            CALLS[action](act(user), hazard, school)
        assert Hazard.objects.get(pk=hazard.pk).version == hazard.version
