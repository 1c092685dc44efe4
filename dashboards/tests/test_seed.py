"""The district seed (issue #6): the same arguments give the same district; a school has the size and the
rates of a large middle school; its data keeps the app's own rules (schedules make the tasks, answers fit
their checklist version, failures become findings and hazards, hazards move as the workflow moves them,
every row belongs to its school); and the app's pages load for the accounts it makes."""

import datetime
from collections import Counter, defaultdict

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F

from campus.models import Place
from dashboards import seed
from grids.models import Assignment, Grid
from hazards.models import Hazard, HazardEvent
from inspections.due import Plan
from inspections.models import Checklist, ChecklistItem, ChecklistVersion, Finding, Inspection
from orgs.models import Organisation, User
from people.models import Person, SchoolClass

TODAY = seed.DEFAULT_TODAY


def run(code, prefix, *, schools=2, days=30, rollups=False, **options):
    return seed.seed(seed.Options(schools=schools, days=days, bureau_code=code, user_prefix=prefix, rollups=rollups,
                                  **options), log=lambda *args: None)


@pytest.fixture
def district(db):
    return run("test-a", "a")


def schools_of(result):
    return list(Organisation.objects.filter(pk__in=result.school_ids).order_by("pk"))


def history(result, model, *fields):
    return list(model.objects.filter(organisation__in=result.school_ids).order_by("pk").values_list(*fields))


def test_the_same_arguments_give_the_same_district(district):
    other = run("test-b", "b")
    assert other.counts == district.counts
    fields = ("on_date", "schedule__name", "grid__name", "place__code", "inspector__name", "device_time", "answers",
              "notes", "failed_count", "major_count")
    assert history(other, Inspection, *fields) == history(district, Inspection, *fields)
    fields = ("state", "level", "grade", "deadline", "is_overdue", "left_overnight", "version", "description")
    assert history(other, Hazard, *fields) == history(district, Hazard, *fields)
    # ... but never the same QR plates.
    tokens = Place.objects.filter(organisation__in=district.school_ids + other.school_ids).values_list("qr_token")
    assert len(set(tokens)) == len(tokens)


def test_a_bureau_is_seeded_once_unless_replaced(district):
    with pytest.raises(CommandError, match="exists already"):
        call_command("seed_district", "--schools", "1", "--days", "5", "--bureau-code", "test-a",
                     "--user-prefix", "a", "--no-rollups")
    before = Inspection.objects.count()
    replaced = run("test-a", "a", replace=True)
    assert Inspection.objects.count() == before
    assert Organisation.objects.filter(code="test-a").count() == 1
    assert not Organisation.objects.filter(pk__in=district.school_ids).exists()
    assert User.objects.filter(username__startswith="a").count() == 2 * 2 + 1
    assert replaced.counts == district.counts


def test_the_command_prints_its_phases_and_rows(db, capsys):
    call_command("seed_district", "--schools", "1", "--days", "5", "--bureau-code", "cmd", "--user-prefix", "c",
                 "--no-rollups")
    out = capsys.readouterr().out
    assert "schools (generated and written)" in out
    assert "inspections_inspection" in out
    assert "c1_safety" in out or "c<n>_safety" in out


def test_a_school_has_the_size_of_a_large_middle_school(district):
    for school in schools_of(district):
        assert Place.objects.filter(organisation=school).count() == 81  # the issue: about 80
        assert Place.objects.filter(organisation=school, is_key_location=True).count() >= 10
        assert Grid.objects.filter(organisation=school).count() == 69  # 45 of them class grids
        assert set(Grid.objects.filter(organisation=school).values_list("level", flat=True)) == {1, 2, 3, 4}
        staff = Person.objects.filter(organisation=school, status="active").exclude(category="student")
        assert 118 <= staff.count() <= 122
        assert 1400 <= Person.objects.filter(organisation=school, category="student").count() <= 1600
        grades = Counter(SchoolClass.objects.filter(organisation=school).values_list("grade", flat=True))
        assert grades == {"七年级": 15, "八年级": 15, "九年级": 15}
        head_teachers = Assignment.objects.filter(organisation=school, role="head_teacher",
                                                  grid__school_class__isnull=False)
        assert head_teachers.values("grid").distinct().count() == 45


def test_a_handover_leaves_no_day_uncovered(district):
    successors = Assignment.objects.filter(organisation__in=district.school_ids, handed_over_from__isnull=False)
    assert successors.count() >= 2 * len(district.school_ids)
    for successor in successors.select_related("handed_over_from__person"):
        previous = successor.handed_over_from
        assert successor.start == previous.end + datetime.timedelta(days=1)  # 方案10
        assert previous.person.status == "left" and previous.person.left_on == previous.end


def test_inspections_follow_the_schedules(district):
    for school in schools_of(district):
        plan = Plan(school, district.start, district.end, today=TODAY)
        scheduled = Inspection.objects.filter(organisation=school, schedule__isnull=False)
        # Every scheduled inspection is a done check of one of the plan's tasks.
        assert sum(t.done for t in plan.tasks) == scheduled.count()
        rate = plan.rates("school")[0].percent
        assert 80 <= rate <= 99
        school_days = [d for d in seed.District(seed.Options(schools=1, days=30)).days
                       if plan.calendar.is_school_day(d)]
        per_day = Counter(Inspection.objects.filter(organisation=school, on_date__in=school_days)
                          .values_list("on_date", flat=True))
        assert 70 <= sum(per_day.values()) / len(school_days) <= 90  # the issue: about 80 per school day
        # Who did them: the people answering for the grid that day (the safety office for school-wide checks).
        day = school_days[-3]
        for task in plan.on(day):
            for inspection in Inspection.objects.filter(pk__in=task.inspection_ids):
                if task.schedule.name not in ("每月消防安全检查日", "重点部位每学期两次检查"):
                    assert inspection.inspector_id in plan.responsible(task, day)


def test_answers_fit_their_checklist_version(district):
    items = defaultdict(dict)
    for item in ChecklistItem.objects.filter(version__organisation__in=district.school_ids):
        items[item.version_id][item.key] = item
    failures = 0
    for inspection in Inspection.objects.filter(organisation__in=district.school_ids):
        version = items[inspection.version_id]
        assert all(item.key in inspection.answers for item in version.values() if item.kind != "text")
        failed = [version[key] for key, value in inspection.answers.items() if version[key].evaluate(value)[1]]
        assert all(version[key].evaluate(value)[0] == value for key, value in inspection.answers.items())
        assert inspection.failed_count == len(failed)
        assert inspection.major_count == sum(1 for item in failed if item.is_major)
        failures += inspection.failed_count
    findings = Finding.objects.filter(organisation__in=district.school_ids)
    assert findings.count() == failures
    assert not findings.exclude(item__version=F("inspection__version")).exists()
    assert 0.02 <= findings.values("inspection").distinct().count() / Inspection.objects.filter(
        organisation__in=district.school_ids).count() <= 0.07
    # The floor list was revised halfway: earlier inspections answered version 1, later ones version 2.
    floor = Checklist.objects.filter(organisation=district.school_ids[0], name="楼层公共设施巡查表").get()
    v1, v2 = ChecklistVersion.objects.filter(checklist=floor).order_by("number")
    assert floor.current_version == v2
    revised = v2.created_at.date()
    assert not Inspection.objects.filter(version=v1, on_date__gte=revised).exists()
    assert not Inspection.objects.filter(version=v2, on_date__lt=revised).exists()
    assert Inspection.objects.filter(version=v1).exists() and Inspection.objects.filter(version=v2).exists()


def assert_story_follows_the_workflow(hazard, events):
    assert events[0].action == "report" and events[0].from_state == "" and events[0].to_state == "reported"
    for before, after in zip(events, events[1:], strict=False):
        assert after.from_state == before.to_state and after.at >= before.at
    assert events[-1].to_state == hazard.state
    assert hazard.version == len(events)  # every transition bumps the version
    if hazard.state == "closed":
        assert hazard.verified_at and hazard.verified_by_id and not hazard.is_overdue
    if hazard.grade == "major":
        assert not hazard.five_fixes_missing or hazard.state == "reported"
        assert "fix_on_spot" not in [e.action for e in events]


def test_hazards_come_from_findings_and_follow_the_workflow(district):
    hazards = Hazard.objects.filter(organisation__in=district.school_ids).select_related("finding__inspection")
    assert hazards.count() == Finding.objects.filter(organisation__in=district.school_ids).count()
    events = defaultdict(list)
    for event in HazardEvent.objects.filter(organisation__in=district.school_ids).order_by("hazard", "id"):
        events[event.hazard_id].append(event)
    for hazard in hazards:
        assert hazard.source == "inspection" and hazard.finding.is_major == (hazard.grade == "major")
        assert hazard.found_at == hazard.finding.inspection.device_time
        assert_story_follows_the_workflow(hazard, events[hazard.pk])
    states = Counter(h.state for h in hazards)
    assert states["closed"] / sum(states.values()) > 0.7
    assert states["rectifying"] + states["awaiting"] + states["reported"] > 0


def test_a_year_of_a_school_has_hazards_in_every_condition(db):
    result = run("year", "y", schools=1, days=365, rollups=True)
    hazards = Hazard.objects.filter(organisation__in=result.school_ids)
    states = set(hazards.values_list("state", flat=True))
    assert {"closed", "rectifying"} <= states and states & {"awaiting", "reported"}
    assert hazards.filter(is_overdue=True, state="rectifying", deadline__lt=TODAY).exists()
    assert hazards.filter(level__in=["school", "bureau"]).exists()
    assert hazards.filter(left_overnight=True).exists()
    majors = hazards.filter(grade="major")
    assert majors.exists()
    assert all(not h.five_fixes_missing for h in majors.exclude(state="reported"))
    automatic = HazardEvent.objects.filter(hazard__in=hazards, action="escalate", actor_name="system")
    assert automatic.exists()  # the daily job's escalation of overdue hazards
    try:
        from dashboards.models import SchoolDay
    except ImportError:
        return
    assert SchoolDay.objects.filter(organisation__in=result.school_ids).count() == 365


def test_every_row_belongs_to_its_school(district):
    from django.apps import apps

    seeded = {t.model for t in seed.tables().values()}
    checked = 0
    for model in seeded:
        names = {f.name for f in model._meta.concrete_fields}
        if "organisation" not in names or model is Organisation or model._meta.model_name == "membership":
            continue
        rows = model.objects.filter(organisation__in=Organisation.objects.filter(code__startswith="test-a"))
        assert not rows.exclude(organisation__in=district.school_ids).exists(), model  # never the bureau's
        for f in model._meta.concrete_fields:
            target = f.related_model
            if f.many_to_one and target is not None and target is not Organisation and "organisation" in {
                    g.name for g in target._meta.concrete_fields}:
                mismatched = rows.filter(**{f"{f.name}__isnull": False}).exclude(
                    **{f"{f.name}__organisation": F("organisation")})
                assert not mismatched.exists(), f"{model.__name__}.{f.name}"
                checked += 1
    assert checked > 25
    assert apps.get_model("orgs", "Organisation").objects.get(code="test-a").kind == "bureau"


@pytest.mark.parametrize("path", ["/", "/hazards/", "/inspections/records/", "/inspections/rates/",
                                  "/inspections/missed/", "/hazards/statistics/", "/grids/"])
def test_the_pages_load_for_a_seeded_safety_office(district, client, path):
    user = User.objects.get(username="a1_safety")
    assert user.check_password(seed.DEFAULT_PASSWORD)
    assert user.person.title == "安全办主任"
    client.force_login(user, backend="orgs.backends.Backend")
    assert client.get(path).status_code == 200


def test_the_bureau_home_lists_the_seeded_schools(district, client):
    client.force_login(User.objects.get(username="a_admin"), backend="orgs.backends.Backend")
    response = client.get("/")
    assert response.status_code == 200
    assert Organisation.objects.get(pk=district.school_ids[0]).name in response.content.decode()
