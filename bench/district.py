"""District benchmark: the dashboards and list pages over a seeded district (`manage.py seed_district`).

For each page: its server time in-process (the Django test client: no network) with its query count,
against floors measured in the same run —
- the school dashboard ÷ the raw SQL that computes its figures straight from the base tables (one statement;
  never dashboards_schoolday): open hazards by state × grade, open major ones, overdue ones (and the major
  among them), those left overnight, public reports awaiting review; hazards found and closed over the 30 days
  and the mean time to close; the inspections recorded over the 30 days; today's inspections, those that
  failed a check and today's flagged QR scans; the 12 months, month by month: inspections recorded, hazards
  found and closed, mean time to close; this academic year's responsibility letters of the school's subtree
  and the unsigned ones. Left out, since SQL cannot compute them: the figures of the plan's expansion in
  Python (inspections.due.Plan) — checks required, done (capped per task window) and missed, and the
  completion rate, over the 30 days and the 12 months; today's tasks due, done and open; yesterday's missed
  tasks; the risk level, which follows from the completion — and the coverage findings (grids.coverage). The
  SQL's inspection counts are the records the plan's done counts are made from, not those counts. The alert
  level is a constant (the product has no alert-level records yet): nothing to read. The home page's other
  parts (the signed-in person's own panel, account and organisation counts, recent audit events) are not in it;
- the bureau dashboard ÷ the raw SQL that computes its figures straight from the records (inspections and
  hazards per school over the 30 days, open hazards);
- both dashboards, in the record's note, ÷ the roll-up query: for the school, its 12 months and 30 days from
  dashboards_schoolday; for the bureau, the 30 days' sums per school;
- the year ledger aggregate (a school's hazards of the year by month and state) ÷ its raw SQL;
- list pages (hazards, inspection records, people, first page and a filtered page) — their query counts
  must not grow with rows;
and, over HTTP, the school and bureau dashboards at 10 concurrent clients (gunicorn sync workers with
persistent connections, wrk) for the p95 targets.

    .venv/bin/python bench/district.py --db-url postgres://postgres@127.0.0.1:5432/safegrid_seed_d --size D

Targets (size D, PostgreSQL): school dashboard p95 ≤ 150 ms and bureau ≤ 300 ms at 10 clients, each ≤ 3 × its
floor; list pages p95 ≤ 150 ms. Writes bench/results/<date>-<size>-<db>-district.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

SCHOOL_SQL = """
WITH open_hazards AS (
    SELECT count(*) FILTER (WHERE state = 'reported' AND grade = 'general') AS reported_general,
           count(*) FILTER (WHERE state = 'reported' AND grade = 'major') AS reported_major,
           count(*) FILTER (WHERE state = 'rectifying' AND grade = 'general') AS rectifying_general,
           count(*) FILTER (WHERE state = 'rectifying' AND grade = 'major') AS rectifying_major,
           count(*) FILTER (WHERE state = 'awaiting' AND grade = 'general') AS awaiting_general,
           count(*) FILTER (WHERE state = 'awaiting' AND grade = 'major') AS awaiting_major,
           count(*) AS open, count(*) FILTER (WHERE grade = 'major') AS major,
           count(*) FILTER (WHERE is_overdue OR deadline < %(today)s) AS overdue,
           count(*) FILTER (WHERE (is_overdue OR deadline < %(today)s) AND grade = 'major') AS overdue_major,
           count(*) FILTER (WHERE left_overnight AND state = 'reported') AS left_overnight
      FROM hazards_hazard WHERE organisation_id = %(org)s AND state <> 'closed'
), months AS (
    SELECT m::date AS month FROM generate_series(%(trend_start)s::date, %(today)s::date, interval '1 month') m
), done AS (
    SELECT date_trunc('month', on_date)::date AS month, count(*) AS n,
           count(*) FILTER (WHERE on_date >= %(start)s) AS in_period
      FROM inspections_inspection
     WHERE organisation_id = %(org)s AND on_date BETWEEN %(trend_start)s AND %(end)s GROUP BY 1
), found AS (
    SELECT date_trunc('month', found_at AT TIME ZONE %(tz)s)::date AS month, count(*) AS n,
           count(*) FILTER (WHERE found_at >= %(since)s) AS in_period
      FROM hazards_hazard
     WHERE organisation_id = %(org)s AND found_at >= %(trend_since)s AND found_at < %(midnight)s GROUP BY 1
), closed AS (
    SELECT month, count(*) AS n, sum(seconds) AS seconds, count(*) FILTER (WHERE in_period) AS in_period,
           sum(seconds) FILTER (WHERE in_period) AS period_seconds
      FROM (SELECT date_trunc('month', verified_at AT TIME ZONE %(tz)s)::date AS month,
                   greatest(0, floor(extract(epoch FROM verified_at - found_at))) AS seconds,
                   verified_at >= %(since)s AS in_period
              FROM hazards_hazard
             WHERE organisation_id = %(org)s AND state = 'closed'
               AND verified_at >= %(trend_since)s AND verified_at < %(midnight)s) c
     GROUP BY month
), trend AS (
    SELECT array_agg(m.month ORDER BY m.month) AS months,
           array_agg(coalesce(done.n, 0) ORDER BY m.month) AS month_inspections,
           array_agg(coalesce(found.n, 0) ORDER BY m.month) AS month_found,
           array_agg(coalesce(closed.n, 0) ORDER BY m.month) AS month_closed,
           array_agg(round(closed.seconds / closed.n / 86400, 1) ORDER BY m.month) AS month_avg_close_days,
           coalesce(sum(done.in_period), 0) AS period_inspections,
           coalesce(sum(found.in_period), 0) AS period_found,
           coalesce(sum(closed.in_period), 0) AS period_closed,
           round(sum(closed.period_seconds) / nullif(sum(closed.in_period), 0) / 86400, 1) AS period_avg_close_days
      FROM months m LEFT JOIN done USING (month) LEFT JOIN found USING (month) LEFT JOIN closed USING (month)
), today AS (
    SELECT count(*) AS inspections, count(*) FILTER (WHERE failed_count > 0) AS failed
      FROM inspections_inspection WHERE organisation_id = %(org)s AND on_date = %(today)s
), letters AS (
    SELECT count(*) AS total, count(*) FILTER (WHERE issuer_signed_at IS NULL OR signer_signed_at IS NULL) AS unsigned
      FROM grids_responsibilityletter
     WHERE academic_year = %(academic_year)s
       AND organisation_id IN (SELECT id FROM orgs_organisation WHERE path LIKE %(subtree)s)
)
SELECT open_hazards.*, trend.*, today.inspections AS today_inspections, today.failed AS today_failed,
       (SELECT count(*) FROM inspections_checkin
         WHERE organisation_id = %(org)s AND flagged AND server_time >= %(midnight)s) AS today_flagged_scans,
       (SELECT count(*) FROM hazards_publicreport
         WHERE organisation_id = %(org)s AND status = 'pending') AS public_pending,
       letters.total AS letters, letters.unsigned AS letters_unsigned
  FROM open_hazards, trend, today, letters
"""
BUREAU_SQL = """
SELECT i.organisation_id, i.n, h.open, h.overdue, h.major FROM
  (SELECT organisation_id, count(*) AS n FROM inspections_inspection
    WHERE organisation_id = ANY(%(orgs)s) AND on_date BETWEEN %(start)s AND %(end)s GROUP BY organisation_id) i
  LEFT JOIN
  (SELECT organisation_id, count(*) AS open, count(*) FILTER (WHERE is_overdue OR deadline < %(today)s) AS overdue,
          count(*) FILTER (WHERE grade = 'major') AS major
     FROM hazards_hazard WHERE organisation_id = ANY(%(orgs)s) AND state <> 'closed' GROUP BY organisation_id) h
  ON h.organisation_id = i.organisation_id
"""
ROLLUP_SQL = """
SELECT d.organisation_id, sum(d.required), sum(d.done), sum(d.hazards_found), sum(d.hazards_closed),
       sum(d.close_seconds)
  FROM dashboards_schoolday d WHERE d.organisation_id = ANY(%(orgs)s) AND d.day BETWEEN %(start)s AND %(end)s
 GROUP BY d.organisation_id
"""
SCHOOL_ROLLUP_SQL = """
SELECT date_trunc('month', d.day)::date, sum(d.required), sum(d.done), sum(d.hazards_found), sum(d.hazards_closed),
       sum(d.close_seconds), sum(d.done) FILTER (WHERE d.day >= %(start)s),
       sum(d.required) FILTER (WHERE d.day >= %(start)s)
  FROM dashboards_schoolday d WHERE d.organisation_id = %(org)s AND d.day BETWEEN %(trend_start)s AND %(end)s
 GROUP BY 1
"""
LEDGER_SQL = """
SELECT date_trunc('month', found_at) AS m, state, count(*) FROM hazards_hazard
 WHERE organisation_id = %(org)s AND found_at >= %(year_start)s GROUP BY 1, 2
"""


def setup(db_url: str) -> None:
    os.environ.update(SAFEGRID_SECURE="0", DJANGO_SETTINGS_MODULE="safegrid.settings", DATABASE_URL=db_url)
    import django

    django.setup()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db-url",
        default=os.environ.get("BENCH_DISTRICT_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safegrid_seed_d"),
    )
    parser.add_argument("--size", default="D")
    parser.add_argument("--n", type=int, default=20, help="requests per in-process page")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per dashboard")
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="gunicorn sync workers for the HTTP runs (4 measured worse: each keeps its own cache and plan structures)",
    )
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument(
        "--now",
        default="",
        help="local date-time of the run (default: 07:30 on the school day after the seeded history, as bench/rush.py)",
    )
    args = parser.parse_args()
    setup(args.db_url)

    from django.db.models import Max

    from bench.travel import next_school_day, start_travel
    from inspections.models import Inspection

    if not args.now:
        args.now = f"{next_school_day(Inspection.objects.aggregate(last=Max('on_date'))['last']).isoformat()}T07:30:00"
    start_travel(args.now)

    import datetime

    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.harness import Record, record, timeit, write
    from dashboards import figures
    from grids.letters import academic_year_of
    from inspections.filters import visible_schools
    from orgs.models import Membership
    from orgs.roles import Role

    backend = connection.vendor
    if backend != "postgresql":
        print("the district benchmark's floors are PostgreSQL SQL: run it on PostgreSQL", file=sys.stderr)
        return 2
    admin = (
        Membership.objects.filter(role=Role.BUREAU_ADMIN)
        .select_related("user", "organisation")
        .order_by("-organisation__id")
        .first()
    )
    bureau = admin.organisation
    office = (
        Membership.objects.filter(role=Role.SAFETY_OFFICE, organisation__path__startswith=bureau.path)
        .select_related("user", "organisation")
        .order_by("organisation__path")
        .first()
    )
    school = office.organisation
    schools = list(visible_schools(admin.user))
    today = timezone.localdate()
    start, end = figures.period(today, 30)
    trend_start = figures._month_start(today, 11)

    def midnight(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    params = {
        "org": school.pk,
        "orgs": [s.pk for s in schools],
        "start": start,
        "end": end,
        "today": today,
        "since": midnight(start),
        "year_start": timezone.make_aware(datetime.datetime(today.year, 1, 1)),
        # the school floor's: today's local midnight (the end of the 30 days and of the 12 months), the
        # 12 months' first day (as figures.trend), the local time zone, the letters' year and subtree
        "midnight": midnight(today),
        "trend_start": trend_start,
        "trend_since": midnight(trend_start),
        "tz": settings.TIME_ZONE,
        "academic_year": academic_year_of(today),
        "subtree": school.path + "%",
    }
    print(f"{bureau.name}: {len(schools)} schools; school {school.name}; now {args.now}", flush=True)
    records: list[Record] = []

    def sql(statement):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(statement, params)
                cursor.fetchall()

        return run

    def page(client, url):
        def get():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return get

    def queries_of(fn) -> int:
        with CaptureQueriesContext(connection) as captured:
            fn()
        return len(captured)

    clients = {}
    for who, membership in (("bureau", admin), ("school", office)):
        client = Client()
        client.force_login(membership.user, backend="orgs.backends.Backend")
        clients[who] = client

    floors = {
        "school raw SQL": timeit(sql(SCHOOL_SQL), n=args.n),
        "bureau raw SQL": timeit(sql(BUREAU_SQL), n=args.n),
        "roll-up query": timeit(sql(ROLLUP_SQL), n=args.n),
        "school roll-up query": timeit(sql(SCHOOL_ROLLUP_SQL), n=args.n),
        "ledger raw SQL": timeit(sql(LEDGER_SQL), n=args.n),
    }
    cases = [
        ("school dashboard (in-process)", clients["school"], "/", "school raw SQL", "≤ 3 × floor"),
        ("bureau dashboard (in-process)", clients["bureau"], "/", "bureau raw SQL", "≤ 3 × floor"),
        (
            "school ledger: hazard statistics, year",
            clients["school"],
            f"/hazards/statistics/?period=year&year={today.year}",
            "ledger raw SQL",
            "",
        ),
        ("hazard register p1 (school)", clients["school"], "/hazards/", None, "p95 ≤ 150 ms"),
        (
            "hazard register filtered (bureau)",
            clients["bureau"],
            f"/hazards/?organisation={school.pk}&state=open&grade=general",
            None,
            "p95 ≤ 150 ms",
        ),
        ("hazard register p1 (bureau)", clients["bureau"], "/hazards/", None, "p95 ≤ 150 ms"),
        ("inspection records p1 (school)", clients["school"], "/inspections/records/", None, "p95 ≤ 150 ms"),
        ("inspection records p1 (bureau)", clients["bureau"], "/inspections/records/", None, "p95 ≤ 150 ms"),
        ("people p1 (school)", clients["school"], "/people/", None, "p95 ≤ 150 ms"),
        ("people p1 (bureau)", clients["bureau"], "/people/", None, "p95 ≤ 150 ms"),
    ]
    for name, client, url, floor_name, target in cases:
        get = page(client, url)
        get()  # warm: roll-ups refreshed, caches filled
        count = queries_of(get)
        timing = timeit(get, n=args.n)
        floor = floors.get(floor_name) if floor_name else None
        met = None
        if floor is not None and target:
            met = timing.p50 <= 3 * floor.p50
        elif target.startswith("p95"):
            met = timing.p95 <= 150
        records.append(
            record(
                name,
                timing,
                floor,
                size=args.size,
                backend=backend,
                floor_name=floor_name or "",
                queries=count,
                target=target,
                met=met,
            )
        )
    for r, rollup in zip(records[:2], ("school roll-up query", "roll-up query"), strict=True):
        floor = floors[rollup]
        r.note = f"÷ {rollup} ({floor.p50:.2f} ms p50) = {r.p50 / floor.p50:.1f}"
    records[0].note += (
        "; the raw SQL leaves out the plan's figures (checks required, done, missed, completion; "
        "today's tasks due; yesterday's misses) and the coverage findings"
    )
    for name, floor in floors.items():
        records.append(record(f"floor: {name}", floor, None, size=args.size, backend=backend))

    if not args.no_http:
        records += http_dashboards(args, admin.user, office.user, size=args.size, backend=backend)
    write(records, size=args.size, backend=backend, title="district")
    return 0


def http_dashboards(args, bureau_user, school_user, *, size: str, backend: str) -> list:
    """Both dashboards over HTTP at 10 concurrent clients (gunicorn sync workers, persistent connections)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from bench.framework import Gunicorn, wrk
    from bench.harness import Record

    def cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "orgs.backends.Backend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    records = []
    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "SAFEGRID_CONN_MAX_AGE": "600", "BENCH_NOW": args.now}
    with Gunicorn("bench.travel_wsgi:application", workers=args.workers, env=env, probe="/healthz") as server:
        for name, user, limit in (
            ("school dashboard (HTTP, 10 clients)", school_user, 150),
            ("bureau dashboard (HTTP, 10 clients)", bureau_user, 300),
        ):
            run = wrk(server.url + "/", seconds=args.seconds, connections=10, headers=[f"Cookie: {cookie(user)}"])
            records.append(
                Record(
                    name=name,
                    size=size,
                    backend=backend,
                    n=run["requests"],
                    p50=round(run["p50"], 2),
                    p95=round(run["p95"], 2),
                    p99=round(run["p99"], 2),
                    throughput=round(run["per_s"], 1),
                    peak_memory_mb=None,
                    queries=None,
                    baseline_name="",
                    baseline_value=None,
                    ratio=None,
                    target=f"p95 ≤ {limit} ms",
                    met=run["p95"] <= limit and run["errors"] == 0,
                    note=f"gunicorn sync -w {args.workers}, wrk -c 10, {args.seconds} s; errors {run['errors']}",
                )
            )
    return records


if __name__ == "__main__":
    sys.exit(main())
