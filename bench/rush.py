"""The morning rush over a seeded district (issue #6): an open-loop mix of 60 % patrol pages, 30 %
submissions and 10 % dashboards at 40 requests per second for 10 minutes, then stepping the rate up
until p95 passes 500 ms — the knee.

- patrol pages: a class teacher's 今日巡查 (GET /patrol/) and their classroom's QR plate (GET /q/<token>/);
- submissions: the teacher's 班级安全日查 for today, every item passed (POST, a fresh client_id each,
  201 expected) — through the app's whole write path: inspection, audit entry, roll-up staleness;
- dashboards: the school home of the school's safety office (GET /).

Requests leave on a Poisson schedule whatever the server does (`bench/loadgen.py`), each on its own
connection, and latency counts from when a request was due, so queueing shows. gunicorn sync workers
with persistent database connections, on 127.0.0.1.

The floor, in the same run and with the same generator: a bare WSGI "hello" under the same stepped load
(its knee is what the generator and the machine can do at all), and the same mix's requests' share of a
core each measured in-process (CPU per request, so the knee the cores allow).

The district must be seeded first (`manage.py seed_district --size D`). The benchmark gives the class
teachers of `--schools` schools a login each (grid member, linked to the person; once, idempotent) and
removes its own inspections afterwards.

    .venv/bin/python bench/rush.py --db-url postgres://postgres@127.0.0.1:5432/safegrid_seed_d
    .venv/bin/python bench/rush.py --minutes 1 --step-seconds 20      # a quick look

Targets (size D, PostgreSQL, 2 cores): p95 ≤ 300 ms at 40 requests/s with 0 errors; knee ≥ 200 requests/s.
Writes bench/results/<date>-<size>-postgresql-rush.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

USER_PREFIX = "rush_"
KNEE_P95_MS = 500
STEPS = (40, 50, 60, 80, 100, 115, 130, 145, 160, 180, 200, 250, 300, 400, 500, 650, 800, 1000)


def setup(db_url: str) -> None:
    os.environ.update(SAFEGRID_SECURE="0", DJANGO_SETTINGS_MODULE="safegrid.settings", DATABASE_URL=db_url)
    import django

    django.setup()


class Teacher:
    def __init__(self, user, grid_id: int, school_id: int, token: str, schedule_id: int, version_id: int):
        self.user, self.grid_id, self.school_id, self.token = user, grid_id, school_id, token
        self.schedule_id, self.version_id = schedule_id, version_id
        self.cookie = self.csrf = ""


def teachers_of(schools: list, today) -> list[Teacher]:
    """The head teacher of every class grid in these schools, each with a login (made once)."""
    from django.db import transaction

    from core.audit import Actor
    from grids.models import Assignment
    from inspections.models import Schedule
    from orgs.actions import create_user
    from orgs.models import User
    from orgs.roles import Role
    from people.models import Person

    found = []
    actor = Actor.system()
    for school in schools:
        schedule = Schedule.objects.get(organisation=school, name="班级安全日查")
        heads = (Assignment.objects.active_on(today).filter(organisation=school, role="head_teacher",
                                                            grid__kind="class")
                 .select_related("person", "grid").prefetch_related("grid__places").order_by("grid_id"))
        with transaction.atomic():
            for a in heads:
                person = a.person
                if person.user_id is None:
                    user = create_user(actor, username=f"{USER_PREFIX}{school.code}_{person.pk}", password=None,
                                       organisation=school, role=Role.GRID_MEMBER, must_change_password=False,
                                       name=person.name)
                    Person.objects.filter(pk=person.pk).update(user=user)
                    person.user = user
                else:
                    person.user = User.objects.get(pk=person.user_id)
                place = a.grid.places.all()[0]
                found.append(Teacher(person.user, a.grid_id, school.pk, place.qr_token, schedule.pk,
                                     schedule.checklist.current_version_id))
    return found


def session_cookie(user) -> tuple[str, str]:
    """A logged-in session written as a login would (no login form: its throttle stays out of it)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.utils.crypto import get_random_string

    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "orgs.backends.Backend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    csrf = get_random_string(32, CSRF_ALLOWED_CHARS)
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={csrf}", csrf


class Mix:
    """Requests in the mix's proportions, each submission with a fresh client_id."""

    def __init__(self, teachers: list[Teacher], officers: dict[int, str], answers: dict[int, dict], host: str):
        self.teachers, self.officers, self.answers, self.host = teachers, officers, answers, host
        self.rng = random.Random(6)

    def requests(self, n: int) -> list:
        from django.utils import timezone

        from bench.loadgen import Request

        html = {"Accept": "text/html"}
        out = []
        while len(out) < n:
            block = ["patrol"] * 3 + ["scan"] * 3 + ["submit"] * 3 + ["dashboard"]
            self.rng.shuffle(block)
            for kind in block:
                t = self.rng.choice(self.teachers)
                if kind == "patrol":
                    out.append(Request.build("patrol", "GET", "/patrol/", host=self.host,
                                             headers={**html, "Cookie": t.cookie}))
                elif kind == "scan":
                    out.append(Request.build("patrol", "GET", f"/q/{t.token}/", host=self.host,
                                             headers={**html, "Cookie": t.cookie}))
                elif kind == "submit":
                    body = urlencode({**self.answers[t.version_id], "version": t.version_id,
                                      "client_id": str(uuid.uuid4()),
                                      "device_time": timezone.localtime().isoformat(timespec="seconds")}).encode()
                    out.append(Request.build(
                        "submit", "POST", f"/patrol/task/{t.schedule_id}/g{t.grid_id}/", host=self.host, body=body,
                        expect=201, headers={"Accept": "application/json", "Cookie": t.cookie, "X-CSRFToken": t.csrf,
                                             "Content-Type": "application/x-www-form-urlencoded",
                                             "Origin": f"http://{self.host}"}))
                else:
                    out.append(Request.build("dashboard", "GET", "/", host=self.host,
                                             headers={**html, "Cookie": self.officers[t.school_id]}))
        return out[:n]


def passing_answers(version_ids) -> dict[int, dict]:
    from dashboards.seed import answer
    from inspections.models import ChecklistItem

    rng, found = random.Random(1), {}
    for item in ChecklistItem.objects.filter(version__in=set(version_ids)).order_by("version", "position"):
        value = answer(item, rng, failing=False)
        found.setdefault(item.version_id, {})[f"item-{item.key}"] = "pass" if value == "na" else value
    return found


def in_process_cpu(mix: Mix, n: int = 200) -> dict[str, float]:
    """CPU milliseconds per request of each kind, one at a time through the Django test client (its share of
    a core: the server side only, the database's own CPU not included), in the steady state: the same requests
    measured once a first round has loaded the schools' kept structures."""
    from django.test import Client

    client = Client()
    per_kind: dict[str, list[float]] = {}
    # Each school's kept plan structure, roll-up figures and panels loaded: enough requests for every school's
    # dashboard to have been read once (10 % of the mix), as in the server's steady state.
    _replay(client, mix.requests(max(n, 20 * len({t.school_id for t in mix.teachers}))), {})
    _replay(client, mix.requests(n), per_kind)  # the steady state (fresh submissions)
    return {kind: sum(v) / len(v) for kind, v in per_kind.items()}


def _replay(client, requests, per_kind: dict[str, list[float]]) -> None:
    for request in requests:
        head, _, body = request.data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        method, path, _ = lines[0].split(" ")
        headers = dict(line.split(": ", 1) for line in lines[1:])
        for name, value in (c.split("=", 1) for c in headers["Cookie"].split("; ")):
            client.cookies[name] = value
        extra = {"HTTP_ACCEPT": headers["Accept"]}
        started = time.process_time()
        if method == "POST":
            response = client.post(path, body, content_type=headers["Content-Type"],
                                   HTTP_X_CSRFTOKEN=headers["X-CSRFToken"], **extra)
        else:
            response = client.get(path, **extra)
        spent = (time.process_time() - started) * 1000
        assert response.status_code == request.expect, (path, response.status_code)
        per_kind.setdefault(request.kind, []).append(spent)


def clean_up(teachers: list[Teacher], today) -> int:
    """Remove the inspections this benchmark submitted (and their audit entries)."""
    from django.db import connection

    from core.models import AuditEvent
    from inspections.models import Inspection

    users = [t.user.pk for t in teachers]
    ids = list(Inspection.objects.filter(submitted_by__in=users, on_date=today).values_list("pk", flat=True))
    Inspection.objects.filter(pk__in=ids).delete()
    with connection.cursor() as cursor:  # the audit log refuses deletes through the ORM: this database is ours
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE object_type = %s AND object_id = ANY(%s)",
                       ["inspections.inspection", [str(i) for i in ids]])
    return len(ids)


def summary(result, *, kind: str | None = None) -> str:
    return (f"p50 {result.p(50, kind):.0f} / p95 {result.p(95, kind):.0f} / p99 {result.p(99, kind):.0f} ms")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=os.environ.get("BENCH_DISTRICT_DATABASE_URL",
                                                           "postgres://postgres@127.0.0.1:5432/safegrid_seed_d"))
    parser.add_argument("--size", default="D")
    parser.add_argument("--schools", type=int, default=20, help="schools whose class teachers take part")
    parser.add_argument("--rate", type=float, default=40)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--step-seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--now", default="", help="local date-time the run happens at (default: 07:30 on the "
                                                  "school day after the seeded history)")
    args = parser.parse_args()
    setup(args.db_url)

    from django.db.models import Max

    from bench.travel import next_school_day, start_travel
    from inspections.models import Inspection

    if not args.now:
        last = Inspection.objects.aggregate(last=Max("on_date"))["last"]
        args.now = f"{next_school_day(last).isoformat()}T07:30:00"
    start_travel(args.now)

    from django.db import connection
    from django.utils import timezone

    from bench.framework import Gunicorn
    from bench.harness import Record, write
    from bench.loadgen import Request, run
    from orgs.models import Membership, Organisation
    from orgs.roles import Role

    backend = connection.vendor
    today = timezone.localdate()
    schools = list(Organisation.objects.filter(kind="school", path__startswith=Organisation.objects.filter(
        kind="bureau").order_by("pk").values_list("path", flat=True)[:1][0]).order_by("path")[:args.schools])
    teachers = teachers_of(schools, today)
    officers = {}
    for m in Membership.objects.filter(organisation__in=schools, role=Role.SAFETY_OFFICE).select_related("user"):
        officers.setdefault(m.organisation_id, session_cookie(m.user)[0])
    for t in teachers:
        t.cookie, t.csrf = session_cookie(t.user)
    answers = passing_answers(t.version_id for t in teachers)
    print(f"{len(schools)} schools, {len(teachers)} class teachers; now {timezone.localtime():%Y-%m-%d %H:%M} "
          f"(the clock moved to the school day after the seeded history)", flush=True)

    env = {"DATABASE_URL": os.environ["DATABASE_URL"], "SAFEGRID_CONN_MAX_AGE": "600", "BENCH_NOW": args.now}
    records: list[Record] = []
    note = f"at {args.now}; gunicorn sync -w {args.workers}, open-loop Poisson arrivals, a connection per request"

    def add(name, result, target="", met=None, extra=""):
        records.append(Record(name=name, size=args.size, backend=backend, n=result.sent, p50=round(result.p(50), 1),
                              p95=round(result.p(95), 1), p99=round(result.p(99), 1),
                              throughput=round(result.achieved, 1), peak_memory_mb=None, queries=None,
                              baseline_name="", baseline_value=None, ratio=None, target=target, met=met,
                              note=(f"{note}; errors {result.errors}; generator lag p99 {result.late_start_ms:.1f} ms"
                                    + (f"; {extra}" if extra else ""))))

    def knee(url, make, top=STEPS[-1]):
        """Step the rate up until p95 passes KNEE_P95_MS or errors appear: (knee rate, results per step)."""
        best, steps = 0, []
        for rate in (r for r in STEPS if r <= top):
            mix = make(int(rate * args.step_seconds * 1.2) + 10)
            result = run(url, mix, rate=rate, seconds=args.step_seconds, seed=rate)
            steps.append(result)
            print(f"  {rate:>5} req/s: {summary(result)}, errors {result.errors}, generator CPU "
                  f"{result.cpu_seconds / args.step_seconds:.2f} cores", flush=True)
            if result.p(95) > KNEE_P95_MS or result.errors:
                break
            best = rate
        return best, steps

    try:
        mix = Mix(teachers, officers, answers, host="127.0.0.1")
        cpu = in_process_cpu(mix)
        mixed_cpu = 0.6 * cpu["patrol"] + 0.3 * cpu["submit"] + 0.1 * cpu["dashboard"]
        print("in-process CPU per request (ms): " + ", ".join(f"{k} {v:.1f}" for k, v in cpu.items())
              + f"; the mix {mixed_cpu:.1f} → 2 cores allow ≈ {2000 / mixed_cpu:.0f} req/s before the database",
              flush=True)
        with Gunicorn("bench.travel_wsgi:application", workers=args.workers, env=env, probe="/healthz") as server:
            host = server.url.removeprefix("http://")
            mix.host = host
            seconds = args.minutes * 60
            print(f"steady: {args.rate:g} req/s for {seconds:g} s…", flush=True)
            steady = run(server.url, mix.requests(int(args.rate * seconds * 1.2) + 10), rate=args.rate,
                         seconds=seconds)
            print(f"  {summary(steady)}, errors {steady.errors}: {dict(steady.statuses)}", flush=True)
            add(f"morning rush {args.rate:g} req/s, {seconds / 60:g} min (all requests)", steady,
                "p95 ≤ 300 ms, 0 errors", steady.p(95) <= 300 and steady.errors == 0)
            for kind in ("patrol", "submit", "dashboard"):
                values = steady.latencies.get(kind, [])
                records.append(Record(name=f"morning rush: {kind}", size=args.size, backend=backend, n=len(values),
                                      p50=round(steady.p(50, kind), 1), p95=round(steady.p(95, kind), 1),
                                      p99=round(steady.p(99, kind), 1), throughput=None, peak_memory_mb=None,
                                      queries=None, baseline_name="in-process CPU ms",
                                      baseline_value=round(cpu[kind], 1), ratio=None))
            print("stepping up for the knee…", flush=True)
            app_knee, steps = knee(server.url, mix.requests)
        with Gunicorn("bench.hello_wsgi:application", workers=args.workers, probe="/") as hello:
            host = hello.url.removeprefix("http://")
            print("the floor: bare WSGI hello, stepping up…", flush=True)
            hello_knee, hello_steps = knee(hello.url, lambda n: [Request.build("hello", "GET", "/", host=host)] * n)
        last = steps[-1]
        records.append(Record(name="morning rush knee (p95 ≤ 500 ms, 0 errors)", size=args.size, backend=backend,
                              n=sum(s.sent for s in steps), p50=round(last.p(50), 1), p95=round(last.p(95), 1),
                              p99=round(last.p(99), 1), throughput=app_knee, peak_memory_mb=None, queries=None,
                              baseline_name="bare WSGI knee", baseline_value=hello_knee,
                              ratio=round(hello_knee / app_knee, 1) if app_knee else None, unit="req/s",
                              target="≥ 200 req/s", met=app_knee >= 200,
                              note=(f"{note}; steps of {args.step_seconds:g} s: "
                                    + ", ".join(f"{s.rate:g}/s p95 {s.p(95):.0f} ms" + (f" {s.errors} errors"
                                                                                       if s.errors else "")
                                                for s in steps)
                                    + f"; the mix's CPU in-process {mixed_cpu:.1f} ms/request (patrol "
                                      f"{cpu['patrol']:.1f}, submit {cpu['submit']:.1f}, dashboard "
                                      f"{cpu['dashboard']:.1f}) → ≈ {2000 / mixed_cpu:.0f} req/s on 2 cores"
                                      f"; p50/p95/p99 of the last step")))
        records.append(Record(name="floor: bare WSGI hello knee", size=args.size, backend=backend,
                              n=sum(s.sent for s in hello_steps), p50=None, p95=None, p99=None,
                              throughput=hello_knee, peak_memory_mb=None, queries=None, baseline_name="",
                              baseline_value=None, ratio=None, unit="req/s",
                              note="the same generator; its top step bounds what this machine can measure"))
    finally:
        removed = clean_up(teachers, today)
        print(f"removed the benchmark's {removed} inspections", flush=True)
    write(records, size=args.size, backend=backend, title="rush")
    return 0


if __name__ == "__main__":
    sys.exit(main())
