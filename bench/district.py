"""District benchmark: the dashboards and list pages over a seeded district (`manage.py seed_district`).

For each page: its server time in-process (the Django test client: no network) with its query count,
against floors measured in the same run —
- school dashboard and bureau dashboard ÷ the raw SQL that computes the same figures straight from the
  records (inspections and hazards per school over the 30 days, open hazards), and ÷ the roll-up query
  (the same figures from dashboards_schoolday);
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
SELECT (SELECT count(*) FROM inspections_inspection
         WHERE organisation_id = %(org)s AND on_date BETWEEN %(start)s AND %(end)s),
       (SELECT count(*) FROM inspections_inspection WHERE organisation_id = %(org)s AND on_date = %(today)s),
       (SELECT count(*) FROM hazards_hazard WHERE organisation_id = %(org)s AND state <> 'closed'),
       (SELECT count(*) FROM hazards_hazard WHERE organisation_id = %(org)s AND state <> 'closed'
              AND (is_overdue OR deadline < %(today)s)),
       (SELECT count(*) FROM hazards_hazard WHERE organisation_id = %(org)s AND found_at >= %(since)s)
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
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DISTRICT_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/safegrid_seed_d"))
    parser.add_argument("--size", default="D")
    parser.add_argument("--n", type=int, default=20, help="requests per in-process page")
    parser.add_argument("--seconds", type=int, default=15, help="wrk duration per dashboard")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers for the HTTP runs (4 measured "
                                                                "worse: each keeps its own cache and plan structures)")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--now", default="", help="local date-time of the run (default: 07:30 on the school day "
                                                  "after the seeded history, as bench/rush.py)")
    args = parser.parse_args()
    setup(args.db_url)

    from django.db.models import Max

    from bench.travel import next_school_day, start_travel
    from inspections.models import Inspection

    if not args.now:
        args.now = f"{next_school_day(Inspection.objects.aggregate(last=Max('on_date'))['last']).isoformat()}T07:30:00"
    start_travel(args.now)

    import datetime

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from bench.harness import Record, record, timeit, write
    from dashboards import figures
    from inspections.filters import visible_schools
    from orgs.models import Membership
    from orgs.roles import Role

    backend = connection.vendor
    if backend != "postgresql":
        print("the district benchmark's floors are PostgreSQL SQL: run it on PostgreSQL", file=sys.stderr)
        return 2
    admin = Membership.objects.filter(role=Role.BUREAU_ADMIN).select_related("user", "organisation") \
        .order_by("-organisation__id").first()
    bureau = admin.organisation
    office = (Membership.objects.filter(role=Role.SAFETY_OFFICE, organisation__path__startswith=bureau.path)
              .select_related("user", "organisation").order_by("organisation__path").first())
    school = office.organisation
    schools = list(visible_schools(admin.user))
    today = timezone.localdate()
    start, end = figures.period(today, 30)
    params = {"org": school.pk, "orgs": [s.pk for s in schools], "start": start, "end": end, "today": today,
              "since": timezone.make_aware(datetime.datetime.combine(start, datetime.time.min)),
              "year_start": timezone.make_aware(datetime.datetime(today.year, 1, 1))}
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
        client.force_login(membership.user, backend="django.contrib.auth.backends.ModelBackend")
        clients[who] = client

    floors = {"school raw SQL": timeit(sql(SCHOOL_SQL), n=args.n), "bureau raw SQL": timeit(sql(BUREAU_SQL), n=args.n),
              "roll-up query": timeit(sql(ROLLUP_SQL), n=args.n), "ledger raw SQL": timeit(sql(LEDGER_SQL), n=args.n)}
    cases = [
        ("school dashboard (in-process)", clients["school"], "/", "school raw SQL", "≤ 3 × floor"),
        ("bureau dashboard (in-process)", clients["bureau"], "/", "bureau raw SQL", "≤ 3 × floor"),
        ("school ledger: hazard statistics, year", clients["school"],
         f"/hazards/statistics/?period=year&year={today.year}", "ledger raw SQL", ""),
        ("hazard register p1 (school)", clients["school"], "/hazards/", None, "p95 ≤ 150 ms"),
        ("hazard register filtered (bureau)", clients["bureau"],
         f"/hazards/?organisation={school.pk}&state=open&grade=general", None, "p95 ≤ 150 ms"),
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
        records.append(record(name, timing, floor, size=args.size, backend=backend, floor_name=floor_name or "",
                              queries=count, target=target, met=met))
    rollup_floor = floors["roll-up query"]
    for r in records[:2]:
        r.note = f"÷ roll-up query ({rollup_floor.p50:.2f} ms p50) = {r.p50 / rollup_floor.p50:.1f}"
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
        session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    records = []
    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "SAFEGRID_CONN_MAX_AGE": "600", "BENCH_NOW": args.now}
    with Gunicorn("bench.travel_wsgi:application", workers=args.workers, env=env, probe="/healthz") as server:
        for name, user, limit in (("school dashboard (HTTP, 10 clients)", school_user, 150),
                                  ("bureau dashboard (HTTP, 10 clients)", bureau_user, 300)):
            run = wrk(server.url + "/", seconds=args.seconds, connections=10, headers=[f"Cookie: {cookie(user)}"])
            records.append(Record(name=name, size=size, backend=backend, n=run["requests"], p50=round(run["p50"], 2),
                                  p95=round(run["p95"], 2), p99=round(run["p99"], 2),
                                  throughput=round(run["per_s"], 1), peak_memory_mb=None, queries=None,
                                  baseline_name="", baseline_value=None, ratio=None, target=f"p95 ≤ {limit} ms",
                                  met=run["p95"] <= limit and run["errors"] == 0,
                                  note=f"gunicorn sync -w {args.workers}, wrk -c 10, {args.seconds} s; "
                                       f"errors {run['errors']}"))
    return records


if __name__ == "__main__":
    sys.exit(main())
