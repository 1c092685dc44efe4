"""Coverage benchmark: a school of 200 places, 150 staff, 60 grids and 10 time slots over 30 days.

    .venv/bin/python bench/coverage.py            # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safegrid_bench .venv/bin/python bench/coverage.py

Prints the median and 90th percentile of 20 computations and the query count, and appends them
to bench/results.md. The issue's goal: well under a second.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SAFEGRID_SECURE", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ["SAFEGRID_VAR_DIR"] = str(ROOT / "var" / "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safegrid.settings")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from campus.models import Place  # noqa: E402
from core.audit import Actor  # noqa: E402
from grids import coverage  # noqa: E402
from grids.models import Assignment, Grid, TimeSlot  # noqa: E402
from orgs import actions  # noqa: E402
from orgs.models import Organisation  # noqa: E402
from people.models import Person  # noqa: E402

START = datetime.date(2026, 9, 1)


def build() -> Organisation:
    school = Organisation.objects.filter(code="bc-school").first()
    if school:
        return school
    actor = Actor.system()
    with transaction.atomic():
        bureau = Organisation.objects.filter(code="bc-bureau").first() or actions.create_organisation(
            actor, code="bc-bureau", name="覆盖基准教育局", kind="bureau")
        school = actions.create_organisation(actor, code="bc-school", name="覆盖基准学校", kind="school",
                                             parent=bureau, is_boarding=True)
        places = []
        for b in range(4):
            building = Place.objects.create(organisation=school, kind="building", name=f"{b}号楼", code=f"B{b}")
            places.append(building)
            for f in range(5):
                floor = Place.objects.create(organisation=school, kind="floor", name=f"{f + 1}层", code=f"B{b}F{f}",
                                             parent=building)
                places.append(floor)
                for r in range(9):
                    places.append(Place(organisation=school, kind="room", name=f"{f + 1}{r:02d}",
                                        code=f"B{b}F{f}R{r}", parent=floor))
        Place.objects.bulk_create([p for p in places if p.pk is None])
        places = list(Place.objects.filter(organisation=school))[:200]
        people = Person.objects.bulk_create(
            [Person(organisation=school, name=f"教师{i}", staff_no=f"S{i:03d}", category="staff") for i in range(150)])
        slots = TimeSlot.objects.bulk_create([
            TimeSlot(organisation=school, name=f"时段{i}", weekdays="1234567", start_time=datetime.time(h),
                     end_time=datetime.time((h + 3) % 24 if i < 7 else (h + 1) % 24))
            for i, h in enumerate([0, 3, 6, 9, 12, 15, 18, 21, 8, 20])])
        grids = []
        for g in range(60):
            grids.append(Grid.objects.create(organisation=school, name=f"网格{g}", kind="custom"))
        assignments = []
        for g, grid in enumerate(grids):
            grid.places.set(places[g * 4:(g + 1) * 4] if g < 50 else [])
            if g >= 50:
                grid.time_slots.set([slots[g - 50]])
            for k in range(3):
                person = people[(g * 3 + k) % 150]
                assignments.append(Assignment(organisation=school, grid=grid, person=person, role="specific",
                                              start=START, end=START + datetime.timedelta(days=10 + g % 40)))
        Assignment.objects.bulk_create(assignments)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return school


def main():
    call_command("migrate", verbosity=0)
    school = build()
    coverage.compute(school, START, 30)
    samples = []
    for _ in range(20):
        with CaptureQueriesContext(connection) as ctx:
            begin = time.perf_counter()
            result = coverage.compute(school, START, 30)
            samples.append((time.perf_counter() - begin) * 1000)
    samples.sort()
    line = (f"| {connection.vendor} | coverage: 200 places, 150 staff, 60 grids, 10 slots, 30 days | "
            f"{statistics.median(samples):.1f} | {samples[17]:.1f} | {len(ctx.captured_queries)} | "
            f"{len(result.findings)} findings |")
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    report = (f"\n## {stamp} — coverage (`bench/coverage.py`)\n\n"
              "| db | case | median ms | p90 ms | queries | result |\n|---|---|---|---|---|---|\n"
              f"{line}\n")
    print(report)
    with open(ROOT / "bench" / "results.md", "a") as fh:
        fh.write(report)


if __name__ == "__main__":
    main()
