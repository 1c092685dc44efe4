"""Ledger benchmark (issue #6: "PDFs: … a 35-page ledger as a background task"): the background task drawing up
a large school's safety ledger of a year (安全台账, ledgers.jobs.build: claim, gather, render the template, lay out
and write the PDF with WeasyPrint, store it), timed against its floor — WeasyPrint laying out and writing the same,
already built HTML (core.pdf.html_to_pdf on the HTML the task renders).

    .venv/bin/python bench/ledger.py                  # PostgreSQL, database safegrid_bench_ledger (created if missing)
    .venv/bin/python bench/ledger.py --db sqlite      # SQLite under var/bench-ledger/
    .venv/bin/python bench/ledger.py -n 5             # more runs (each takes some 10–20 s)

Data: `seed_district --size S --today 2027-01-01 --bureau-code ledger-bench`, seeded once per database: one large
school whose history is the calendar year 2026 (about 14,900 inspections, 480 of them with failures, 580 hazards).
The ledger is drawn up "as of" 2027-01-01, whatever the clock says. Task and floor run in turn, n rounds, so a
drifting machine load weighs on both alike; the note adds their CPU time (steadier than wall time on a busy box).
PDFs go to a temporary folder, and the ledger rows made are removed again. Writes
bench/results/<date>-S-<db>-ledger.{json,md}.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import harness  # noqa: E402

PG_URL = os.environ.get("BENCH_LEDGER_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safegrid_bench_ledger")
BUREAU = "ledger-bench"
PREFIX = "lb"
TODAY = datetime.date(2027, 1, 1)  # the seed's "today": its year of history is 2026
YEAR = 2026
TARGET_RATIO = 1.2  # the app's own work (queries, template, storing) is small beside the layout


def setup_django(db: str, media: str) -> None:
    harness.setup_django(db, PG_URL, "bench-ledger", {"SAFEGRID_MEDIA_ROOT": media})


def school_with_a_year():
    """The seeded school (seeding it first if the database has none)."""
    from django.core.management import call_command

    from orgs.models import Organisation, User

    bureau = Organisation.objects.filter(code=BUREAU).first()
    if bureau is None:
        print("seeding one school × 2026 (seed_district --size S)…", flush=True)
        call_command("seed_district", size="S", today=TODAY, bureau_code=BUREAU, user_prefix=PREFIX,
                     stdout=io.StringIO())
        bureau = Organisation.objects.get(code=BUREAU)
    school = Organisation.objects.filter(parent=bureau, kind="school").order_by("code").first()
    return school, User.objects.get(username=f"{PREFIX}1_safety")


def interleaved(fns, n: int) -> list:
    """Run the functions in turn, n rounds (app, floor, app, floor…: a machine whose load drifts weighs on both
    alike); per function its wall-clock Timing and the median CPU seconds of this process."""
    from bench.harness import Timing, percentile

    walls: list[list[float]] = [[] for _ in fns]
    cpus: list[list[float]] = [[] for _ in fns]
    for _ in range(n):
        for k, fn in enumerate(fns):
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            walls[k].append((time.perf_counter() - wall) * 1000)
            cpus[k].append(time.process_time() - cpu)
    return [(Timing(n, percentile(w, 50), percentile(w, 95), percentile(w, 99), sum(w) / 1000), percentile(c, 50))
            for w, c in zip(walls, cpus, strict=True)]


def measure(db: str, n: int) -> list:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bench.harness import record
    from inspections.models import Inspection
    from ledgers import content, jobs
    from ledgers.choices import LedgerStatus
    from ledgers.models import LedgerExport, period_bounds

    school, user = school_with_a_year()
    start, end = period_bounds("year", YEAR, None)
    inspections = Inspection.objects.filter(organisation=school, on_date__range=(start, end)).count()
    made: list[int] = []

    def queue() -> LedgerExport:
        ledger = LedgerExport.objects.create(organisation=school, year=YEAR, start=start, end=end, requested_by=user,
                                             requested_by_name=user.get_full_name())
        made.append(ledger.pk)
        return ledger

    last = {}

    def task():
        ledger = jobs.build(queue().pk, today=TODAY)
        assert ledger.status == LedgerStatus.DONE, ledger.message
        last["ledger"] = ledger

    try:
        jobs.html_to_pdf("<!DOCTYPE html><p>预热</p>")  # WeasyPrint's import and font setup: once per process
        # One instrumented run: the queries, and the time before WeasyPrint (gathering and the template).
        ledger = LedgerExport.objects.select_related("organisation__parent", "requested_by").get(pk=queue().pk)
        with CaptureQueriesContext(connection) as queries:
            t0 = time.perf_counter()
            gathered = content.gather(ledger, today=TODAY)
            t1 = time.perf_counter()
            html = content.render_html(gathered)
            t2 = time.perf_counter()
        print(f"gather {1000 * (t1 - t0):.0f} ms ({len(queries)} queries), template {1000 * (t2 - t1):.0f} ms, "
              f"{len(html) // 1024} KiB of HTML; timing {n} ledgers…", flush=True)

        (app, app_cpu), (floor, floor_cpu) = interleaved([task, lambda: jobs.html_to_pdf(html)], n)
        pages, size = last["ledger"].pages, last["ledger"].size
        ratio = app.p50 / floor.p50
        note = (f"{pages} pages A4 landscape, {size / 1024 / 1024:.1f} MB; one school's {YEAR} ({inspections:,} "
                f"inspections, {gathered.totals.failed} with failures, {gathered.hazards_total} hazards); "
                f"gather {1000 * (t1 - t0):.0f} ms + template {1000 * (t2 - t1):.0f} ms before WeasyPrint; "
                f"CPU p50 {app_cpu:.1f} s vs floor {floor_cpu:.1f} s ({app_cpu / floor_cpu:.2f} ×)")
        return [record(f"year ledger task ({pages} pages)", app, floor, size="S", backend=db,
                       floor_name="WeasyPrint, same HTML", queries=len(queries),
                       target=f"≤ {TARGET_RATIO} × floor", met=ratio <= TARGET_RATIO, note=note)]
    finally:
        for ledger in LedgerExport.objects.filter(pk__in=made):
            if ledger.file:
                ledger.file.storage.delete(ledger.file.name)
        LedgerExport.objects.filter(pk__in=made).delete()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("-n", type=int, default=3, help="ledgers timed (and floor runs), default 3")
    args = parser.parse_args()
    media = tempfile.mkdtemp(prefix="bench-ledger-")
    try:
        setup_django(args.db, media)
        from bench.harness import main_guard, write

        main_guard()
        write(measure(args.db, args.n), size="S", backend=args.db, title="ledger")
    finally:
        shutil.rmtree(media, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
