"""The grid's commands: import_roster, export_roster, coverage; and the demo's example roster."""

import datetime
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from core.models import AuditEvent
from grids import coverage
from grids.roster import examples
from grids.roster.testing import person, place, workbook
from orgs.models import Organisation
from people.models import Person

pytestmark = pytest.mark.django_db
DAY = "2026-09-01"


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def example_file(tmp_path):
    path = tmp_path / "网格责任清单.xlsx"
    path.write_bytes(examples.example())
    return path


def test_import_roster_applies_the_workbook_and_prints_the_differences(cast, example_file):
    out, _err = run("import_roster", cast.school1.code, str(example_file), "--date", DAY)
    assert "新增\t人员\t周建华" in out and "change(s) applied" in out
    assert Person.objects.filter(organisation=cast.school1).count() == 40


def test_import_roster_dry_run_prints_the_plan_and_changes_nothing(cast, example_file):
    events = AuditEvent.objects.count()
    out, _err = run("import_roster", cast.school1.code, str(example_file), "--dry-run", "--date", DAY)
    assert "新增\t网格\t学校安全工作领导小组" in out and "nothing was changed" in out
    assert not Person.objects.filter(organisation=cast.school1).exists() and AuditEvent.objects.count() == events


def test_import_roster_prints_every_error_and_exits_non_zero(cast, tmp_path):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(workbook(people=[person("周校长", "T001", category="教工")],
                              places=[place("操场", holders="王某")]))
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 error"):
        call_command("import_roster", cast.school1.code, str(path), "--dry-run", stdout=io.StringIO(), stderr=err)
    lines = err.getvalue().splitlines()
    assert lines[0].startswith("人员\t2\t类别\t无法识别的类别“教工”")
    assert lines[1].startswith("场所\t2\t负责人\t未找到人员或岗位“王某”")


def test_import_roster_refuses_an_unknown_organisation(cast, example_file):
    with pytest.raises(CommandError, match="no organisation with code 'no-such-school'"):
        run("import_roster", "no-such-school", str(example_file))


def test_import_roster_ends_what_is_no_longer_listed_only_with_prune(cast, tmp_path):
    first, second = tmp_path / "1.xlsx", tmp_path / "2.xlsx"
    first.write_bytes(workbook(people=[person("周校长", "T001"), person("李老师", "T002")]))
    second.write_bytes(workbook(people=[person("周校长", "T001")]))
    run("import_roster", cast.school1.code, str(first), "--date", DAY)
    out, _err = run("import_roster", cast.school1.code, str(second), "--date", "2026-09-10")
    assert "(--prune) 标记离开\t人员\t李老师" in out and "1 removal(s) not applied" in out
    assert Person.objects.get(staff_no="T002").status == "active"
    run("import_roster", cast.school1.code, str(second), "--date", "2026-09-10", "--prune")
    li = Person.objects.get(staff_no="T002")
    assert (li.status, li.left_on) == ("left", datetime.date(2026, 9, 9))


def test_export_roster_writes_a_workbook_that_imports_back_unchanged(cast, example_file, tmp_path):
    run("import_roster", cast.school1.code, str(example_file))
    out_file = tmp_path / "out.xlsx"
    out, _err = run("export_roster", cast.school1.code, str(out_file))
    assert "rows written" in out and out_file.read_bytes().startswith(b"PK")
    assert AuditEvent.objects.filter(action="export", object_type="grids.roster").count() == 1
    out, _err = run("import_roster", cast.school1.code, str(out_file), "--dry-run")
    assert "0 change(s) would be applied" in out


def test_coverage_json_lists_each_finding_with_kind_subject_reason_days_and_url(cast, school, day):
    from campus.models import Place
    from core.actions import create_object
    from core.audit import Actor

    create_object(Actor(), Place(organisation=cast.school1, name="103教室", code="x-103", kind="room",
                                 parent=school.floor))
    out, _err = run("coverage", cast.school1.code, "--days", "7", "--start", day.isoformat(), "--json")
    findings = json.loads(out)
    assert [(f["kind"], f["subject"]) for f in findings] == [("place_uncovered", "教学楼/一层/103教室")]
    assert {"kind", "subject", "reason", "days", "url"} <= set(findings[0])
    assert findings[0]["days"] == [[day.isoformat(), (day + datetime.timedelta(days=6)).isoformat()]]


def test_coverage_prints_the_findings_as_text(cast, school, day):
    out, _err = run("coverage", cast.school1.code, "--start", day.isoformat())
    assert "0 finding(s)" in out


def test_the_demo_loads_the_example_roster_into_two_schools_and_leaves_the_third_empty(db):
    call_command("demo", stdout=io.StringIO())
    for code in ("demo-school-1", "demo-school-2"):
        school = Organisation.objects.get(code=code)
        assert Person.objects.filter(organisation=school).count() == 40
        assert coverage.compute(school).findings == []
    assert not Person.objects.filter(organisation__code="demo-school-3").exists()
    # The hazards the demo inspections raised went through the workflow: closed ones with after photos,
    # some in rectification; a public report waits for review and a notice was issued.
    from hazards.models import Hazard, PublicReport, RectificationNotice

    for code in ("demo-school-1", "demo-school-2"):
        states = set(Hazard.objects.filter(organisation__code=code).values_list("state", flat=True))
        assert {"closed", "rectifying"} <= states
        assert not Hazard.objects.filter(organisation__code=code, state="closed", photos__kind="after",
                                         verified_by__isnull=True).exists()
        assert PublicReport.objects.filter(organisation__code=code, status="pending").count() == 1
        assert RectificationNotice.objects.filter(organisation__code=code).count() == 1
    events = AuditEvent.objects.count()
    call_command("demo", stdout=io.StringIO())
    assert AuditEvent.objects.count() == events
