"""Morning-rush benchmark: every class teacher of a large school submits the daily zero report at 7:30.

The issue's goal: submitting an inspection sustains at least 100 submissions per second on this
2-core machine with PostgreSQL. Measured over real HTTP: gunicorn (sync workers, 2 and 4, and a
gthread variant) with persistent database connections on 127.0.0.1, loaded by wrk with a Lua
script that cycles through pre-generated submissions (each with its own teacher's session cookie,
CSRF token and a fresh client_id). Also measured under the same server: GET /patrol/ (today's
tasks) and GET /q/<token>/ (a classroom's QR plate); in-process, the queries per request; and the
floor: the same Inspection + AuditEvent rows inserted directly (bulk_create, and one transaction
per submission).

    .venv/bin/python bench/inspections.py                  # SQLite, then PostgreSQL if it answers
    .venv/bin/python bench/inspections.py --db postgresql  # one database only
    .venv/bin/python bench/inspections.py --profile        # also a pyinstrument profile (if installed)

Data: one school with 300 class grids (5 buildings x 6 floors x 10 classrooms), 300 teachers, each a
grid_member login linked to the person who is head teacher of one class, a 5-item checklist and a
daily schedule over the class grids. Built once per database: PostgreSQL `safegrid_bench_insp`
(created if missing; BENCH_INSP_DATABASE_URL overrides) and SQLite in var/bench-insp/sqlite/. Sessions
are written straight into the session table (the login form's throttle and lockout stay out of it).
Needs wrk (Debian package `wrk`). Results are printed and appended to bench/results.md.
"""

from __future__ import annotations

import argparse
import collections
import datetime
import os
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
# This file's own folder would shadow the `inspections` app: the project root instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
VAR = ROOT / "var" / "bench-insp"
PG_URL = os.environ.get("BENCH_INSP_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safegrid_bench_insp")
SCHOOL_CODE = "bi-school"
BUILDINGS, FLOORS, ROOMS = 5, 6, 10  # 300 classrooms, one class grid and one head teacher each
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"]
MAX_RATE = 700  # submissions per second prepared per second of load (more than any run reaches)

LUA = r"""
-- Written by bench/inspections.py. Each thread takes every n-th line of BENCH_REQUESTS
-- (method, path, cookie, csrf token, body; tab-separated) and sends them in order, wrapping.
local counter, threads = 0, {}

function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  local nthreads = tonumber(os.getenv("BENCH_THREADS"))
  reqs, idx, k = {}, 0, 0
  sent, wrapped, s201, s200, s3xx, s4xx, s5xx = 0, 0, 0, 0, 0, 0, 0
  for line in io.lines(os.getenv("BENCH_REQUESTS")) do
    if k % nthreads == tid then
      local method, path, cookie, csrf, body = line:match("^(%u+)\t([^\t]*)\t([^\t]*)\t([^\t]*)\t(.*)$")
      local headers = {["Cookie"] = cookie}
      if method == "POST" then
        headers["Accept"] = "application/json"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        headers["X-CSRFToken"] = csrf
        reqs[#reqs + 1] = wrk.format(method, path, headers, body)
      else
        headers["Accept"] = "text/html"
        reqs[#reqs + 1] = wrk.format(method, path, headers)
      end
    end
    k = k + 1
  end
end

function request()
  idx = idx + 1
  if idx > #reqs then
    idx, wrapped = 1, wrapped + 1
  end
  sent = sent + 1
  return reqs[idx]
end

function response(status, headers, body)
  if status == 201 then s201 = s201 + 1
  elseif status == 200 then s200 = s200 + 1
  elseif status < 400 then s3xx = s3xx + 1
  elseif status < 500 then s4xx = s4xx + 1
  else s5xx = s5xx + 1 end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d max=%d "
    .. "connect=%d read=%d write=%d timeout=%d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout))
  for i, thread in ipairs(threads) do
    io.write(string.format("THREAD tid=%d sent=%d wrapped=%d s201=%d s200=%d s3xx=%d s4xx=%d s5xx=%d\n",
      thread:get("tid"), thread:get("sent"), thread:get("wrapped"), thread:get("s201"), thread:get("s200"),
      thread:get("s3xx"), thread:get("s4xx"), thread:get("s5xx")))
  end
end
"""


# --- Environment (before Django is imported) -------------------------------------------------------
def database_env(db: str) -> dict[str, str]:
    env = {
        "SAFEGRID_SECURE": "0", "SAFEGRID_DEBUG": "0", "SAFEGRID_CONN_MAX_AGE": "600",
        # The same var dir for this process and gunicorn: the same secret key signs the sessions.
        "SAFEGRID_VAR_DIR": str(VAR / db), "DJANGO_SETTINGS_MODULE": "safegrid.settings",
        "SAFEGRID_LOG_LEVEL": "WARNING",
    }
    if db == "postgresql":
        env["DATABASE_URL"] = PG_URL
    return env


def postgres_reachable() -> bool:
    import psycopg

    base = PG_URL.replace("postgres://", "postgresql://", 1).rpartition("/")[0]
    try:
        psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def ensure_postgres_database() -> None:
    import psycopg

    base, _, name = PG_URL.replace("postgres://", "postgresql://", 1).rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            print(f"creating database {name}…", flush=True)
            conn.execute(f'CREATE DATABASE "{name}"')


# --- Data set -------------------------------------------------------------------------------------
@dataclass
class Teacher:
    user_id: int
    username: str
    grid_id: int
    qr_token: str
    session_key: str = ""
    csrf: str = ""

    @property
    def cookie(self) -> str:
        return f"sessionid={self.session_key}; csrftoken={self.csrf}"


def build():
    """The school, idempotently: (school, schedule, teachers)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from campus.models import Place
    from core.actions import create_object
    from core.audit import Actor
    from core.testing.inspections import make_checklist, make_schedule
    from grids.actions import assign, save_grid
    from grids.models import Assignment, Grid
    from inspections.choices import DayRule
    from inspections.models import Schedule, Term
    from orgs.actions import create_organisation, create_user
    from orgs.models import Organisation
    from orgs.roles import Role
    from people.models import Person, SchoolClass

    today = timezone.localdate()
    school = Organisation.objects.filter(code=SCHOOL_CODE).first()
    if school is None:
        print("building the school (300 classes, 300 teachers)…", flush=True)
        started = time.perf_counter()
        actor = Actor.system()
        with transaction.atomic():
            bureau = create_organisation(actor, code="bi-bureau", name="晨检基准教育局", kind="bureau")
            school = create_organisation(actor, code=SCHOOL_CODE, name="晨检基准学校", kind="school", parent=bureau)
            checklist = make_checklist(school, name="班级晨检", actor=actor)
            leadership = save_grid(actor, Grid(organisation=school, name="学校安全领导小组", kind="leadership"))
            n = 0
            for b in range(1, BUILDINGS + 1):
                building = create_object(actor, Place(organisation=school, name=f"{b}号教学楼", code=f"B{b}",
                                                      kind="building"))
                building_grid = save_grid(actor, Grid(organisation=school, name=f"{b}号楼网格", kind="building",
                                                      parent=leadership), places=[building])
                for f in range(1, FLOORS + 1):
                    floor = create_object(actor, Place(organisation=school, name=f"{f}层", code=f"B{b}F{f}",
                                                       kind="floor", parent=building))
                    floor_grid = save_grid(actor, Grid(organisation=school, name=f"{b}号楼{f}层网格", kind="floor",
                                                       parent=building_grid), places=[floor])
                    for r in range(1, ROOMS + 1):
                        room = create_object(actor, Place(organisation=school, name=f"{b}-{f}{r:02d}教室",
                                                          code=f"B{b}-{f}{r:02d}", kind="room", parent=floor,
                                                          place_type="教室"))
                        grade, number = GRADES[n // 50], n % 50 + 1
                        school_class = create_object(actor, SchoolClass(organisation=school, grade=grade,
                                                                        name=f"{number}班", classroom=room))
                        grid = save_grid(actor, Grid(organisation=school, name=f"{grade}{number}班", kind="class",
                                                     parent=floor_grid, school_class=school_class), places=[room])
                        user = create_user(actor, username=f"bi_t{n + 1:03d}", password=None, organisation=school,
                                           role=Role.GRID_MEMBER, must_change_password=False,
                                           name=f"班主任{n + 1:03d}")
                        person = create_object(actor, Person(organisation=school, name=f"班主任{n + 1:03d}",
                                                             staff_no=f"T{n + 1:03d}", category="staff", user=user))
                        assign(actor, grid, role="head_teacher", person=person, start=today - datetime.timedelta(60))
                        n += 1
            make_schedule(school, checklist, name="班级晨检（零报告）", cadence="daily",
                          start=today - datetime.timedelta(days=60), actor=actor, grid_kind="class",
                          roles="head_teacher", day_rule=DayRule.ALL_DAYS, time_from=datetime.time(7),
                          time_to=datetime.time(8, 30))
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
    if not Term.objects.filter(organisation=school).overlapping(today, today).exists():  # a run months later
        later = Term.objects.filter(organisation=school, start__gt=today).order_by("start").first()
        end = later.start - datetime.timedelta(days=1) if later else today + datetime.timedelta(days=120)
        create_object(Actor.system(), Term(organisation=school, name=f"基准学期{today:%Y%m%d}", start=today, end=end))
    schedule = Schedule.objects.select_related("checklist__current_version").get(organisation=school,
                                                                                  name="班级晨检（零报告）")
    heads = (Assignment.objects.filter(organisation=school, role="head_teacher", grid__kind="class")
             .select_related("person__user", "grid").prefetch_related("grid__places").order_by("grid__name"))
    teachers = [Teacher(a.person.user_id, a.person.user.username, a.grid_id, a.grid.places.all()[0].qr_token)
                for a in heads]
    assert len(teachers) == BUILDINGS * FLOORS * ROOMS, len(teachers)
    return school, schedule, sorted(teachers, key=lambda t: t.username)


def log_in(teachers: list[Teacher]) -> None:
    """A session per teacher, written by Django's session engine (as a login would), and a CSRF token."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import transaction
    from django.middleware.csrf import CSRF_ALLOWED_CHARS
    from django.utils.crypto import get_random_string

    from orgs.models import User

    engine = import_module(settings.SESSION_ENGINE)
    engine.SessionStore.clear_expired()
    users = User.objects.in_bulk([t.user_id for t in teachers])
    with transaction.atomic():
        for teacher in teachers:
            user = users[teacher.user_id]
            session = engine.SessionStore()
            session[SESSION_KEY] = user._meta.pk.value_to_string(user)
            session[BACKEND_SESSION_KEY] = "orgs.backends.Backend"
            session[HASH_SESSION_KEY] = user.get_session_auth_hash()
            session.create()
            teacher.session_key = session.session_key
            teacher.csrf = get_random_string(32, CSRF_ALLOWED_CHARS)


def answers(version_id: int) -> dict[str, str]:
    from core.testing.inspections import ALL_PASS

    return {"version": str(version_id), **{f"item-{k}": v for k, v in ALL_PASS.items()}}


def task_path(schedule, teacher: Teacher) -> str:
    return f"/patrol/task/{schedule.pk}/g{teacher.grid_id}/"


def clean_inspections(school) -> None:
    """Remove earlier runs' inspections and their audit entries (this database is the benchmark's own)."""
    from django.db import connection

    from core.models import AuditEvent
    from inspections.models import Inspection

    Inspection.objects.filter(organisation=school).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {AuditEvent._meta.db_table} WHERE organisation_id = %s AND object_type = %s",
                       [school.pk, "inspections.inspection"])


# --- The floor: the same rows, inserted directly ---------------------------------------------------
def floor(school, schedule, teachers: list[Teacher], bulk_rows=3000, single_rows=600) -> dict[str, float]:
    from django.db import transaction
    from django.utils import timezone

    from core.audit import AuditAction
    from core.models import AuditEvent
    from core.testing.inspections import ALL_PASS
    from inspections.models import Inspection
    from people.models import Person

    version = schedule.checklist.current_version
    inspectors = dict(Person.objects.filter(organisation=school, user__isnull=False).values_list("user_id", "pk"))
    today = timezone.localdate()

    def rows(n):
        for i in range(n):
            t = teachers[i % len(teachers)]
            yield Inspection(organisation=school, client_id=uuid.uuid4(), schedule=schedule, version=version,
                             grid_id=t.grid_id, on_date=today, inspector_id=inspectors[t.user_id],
                             submitted_by_id=t.user_id, device_time=timezone.now(), answers=dict(ALL_PASS), notes={})

    def event(inspection):
        return AuditEvent(actor_id=inspection.submitted_by_id, actor_name="班主任", organisation=school,
                          org_path=school.path, action=AuditAction.CREATE, object_type="inspections.inspection",
                          object_id=str(inspection.pk), object_repr=f"班级晨检（{today.isoformat()}）",
                          changes={"checklist": [None, "班级晨检"], "version": [None, version.number],
                                   "on_date": [None, today.isoformat()], "failed_count": [None, 0]},
                          ip="127.0.0.1", request_id=uuid.uuid4().hex)

    result = {}
    batch = list(rows(bulk_rows))
    started = time.perf_counter()
    with transaction.atomic():
        Inspection.objects.bulk_create(batch, batch_size=1000)
        AuditEvent.objects.bulk_create([event(i) for i in batch], batch_size=1000)
    result["bulk"] = bulk_rows / (time.perf_counter() - started)
    started = time.perf_counter()
    for inspection in rows(single_rows):
        with transaction.atomic():
            inspection.save(force_insert=True)
            event(inspection).save(force_insert=True)
    result["single"] = single_rows / (time.perf_counter() - started)
    clean_inspections(school)
    return result


# --- In-process: queries and time of one request at a time ---------------------------------------
def in_process(schedule, teachers: list[Teacher], profile: bool) -> list[tuple]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    version_id = schedule.checklist.current_version_id

    client = Client(HTTP_ACCEPT="application/json")  # one client: its middleware chain is built once

    def client_for(teacher):
        client.cookies["sessionid"] = teacher.session_key
        return client

    def run(label, call, status, runs=30):
        call(0)
        samples, queries = [], []
        for n in range(1, runs + 1):
            with CaptureQueriesContext(connection) as ctx:
                started = time.perf_counter()
                response = call(n)
                samples.append((time.perf_counter() - started) * 1000)
            assert response.status_code == status, (label, response.status_code, response.content[:300])
            queries = [q["sql"] for q in ctx.captured_queries]
        return label, statistics.median(samples), len(queries), queries

    def submit(n):
        teacher = teachers[n % len(teachers)]
        return client_for(teacher).post(task_path(schedule, teacher), {
            **answers(version_id), "client_id": str(uuid.uuid4()), "device_time": now_iso()})

    results = [
        run("POST submit", submit, 201),
        run("GET /patrol/", lambda n: client_for(teachers[n]).get("/patrol/", HTTP_ACCEPT="text/html"), 200),
        run("GET /q/<token>/", lambda n: client_for(teachers[n]).get(f"/q/{teachers[n].qr_token}/",
                                                                     HTTP_ACCEPT="text/html"), 200),
    ]
    if profile:
        try:
            from pyinstrument import Profiler
        except ImportError:
            print("pyinstrument is not installed: no profile (pip install pyinstrument)")
        else:
            profiler = Profiler(interval=0.0005)
            with profiler:
                for n in range(200):
                    submit(n)
            out = VAR / f"profile-{connection.vendor}.txt"
            out.write_text(profiler.output_text(unicode=True, show_all=False))
            print(f"profile of 200 in-process submissions: {out}")
    return results


def now_iso() -> str:
    from django.utils import timezone

    return timezone.localtime().isoformat(timespec="seconds")


# --- Server and load ------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 with this benchmark's environment; always stopped by its PID."""

    def __init__(self, db: str, workers: int, threads: int, app: str = "safegrid.wsgi:application"):
        self.db, self.workers, self.threads, self.app = db, workers, threads, app
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def label(self) -> str:
        label = f"gthread -w {self.workers} --threads {self.threads}" if self.threads > 1 else f"sync -w {self.workers}"
        return label if self.app == "safegrid.wsgi:application" else f"{label}, {self.app}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        cmd = [sys.executable, "-m", "gunicorn", self.app, "-b", f"127.0.0.1:{self.port}",
               "-w", str(self.workers), "--no-control-socket", "--timeout", "60", "--backlog", "2048",
               "--log-level", "warning", "--error-logfile", str(VAR / f"gunicorn-{self.db}.log")]
        if self.threads > 1:
            cmd += ["-k", "gthread", "--threads", str(self.threads)]
        env = {**os.environ, **database_env(self.db)}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"gunicorn did not start: see {VAR / f'gunicorn-{self.db}.log'}")
            time.sleep(0.2)
        return self

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == self.proc.pid:
                        pids.append(int(entry.name))
                except (OSError, IndexError, ValueError):
                    continue
        return pids

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)  # the group of our own gunicorn (start_new_session)
            self.proc.wait(timeout=10)

    def __exit__(self, *exc):
        self.stop()


def cpu_seconds(pids) -> float:
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / tick


def postgres_pids(database: str) -> list[int]:
    """This benchmark's PostgreSQL backends and the server's shared writers (not other databases' backends)."""
    shared = ("checkpointer", "background writer", "walwriter", "autovacuum launcher")
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() != "postgres":
                    continue
                title = (entry / "cmdline").read_text().replace("\0", " ")
            except OSError:
                continue
            if f" {database} " in title or any(name in title for name in shared):
                pids.append(int(entry.name))
    return pids


def machine_busy() -> float:
    """CPU-seconds used by every process on the machine so far."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


QUIET = {"budget": 30.0}  # seconds a whole run may spend waiting for other processes to finish


def wait_for_quiet() -> float:
    """Wait (within the run's budget) until other processes leave the cores nearly idle; their load in cores."""
    while True:
        before = machine_busy()
        time.sleep(1)
        load = machine_busy() - before
        if load < 0.2 or QUIET["budget"] <= 0:
            return load
        print(f"    waiting for other processes to quieten ({load:.1f} cores busy)…", flush=True)
        time.sleep(2)
        QUIET["budget"] -= 3


@dataclass
class Load:
    requests: int
    seconds: float
    p50: float
    p95: float
    p99: float
    max: float
    socket_errors: int
    sent_per_thread: list[int]
    status: collections.Counter
    wrapped: int
    cpu: dict[str, float]
    other: float  # cores used by other processes on the machine meanwhile

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def run_wrk(server: Server, lines: list[str], *, connections: int, seconds: int, name: str, threads=1) -> Load:
    requests_file, script = VAR / server.db / f"{name}.tsv", VAR / server.db / "rush.lua"
    requests_file.write_text("".join(line + "\n" for line in lines))
    script.write_text(LUA)
    env = {**os.environ, "BENCH_REQUESTS": str(requests_file), "BENCH_THREADS": str(threads)}
    wait_for_quiet()
    database = PG_URL.rpartition("/")[2]
    groups = {"gunicorn": server.worker_pids(),
              "postgres": postgres_pids(database) if server.db == "postgresql" else []}
    before = {k: cpu_seconds(v) for k, v in groups.items()}
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy, started = machine_busy(), time.monotonic()
    proc = subprocess.Popen(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout",
                             "30s", "-s", str(script), server.url], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        out, err = proc.communicate(timeout=seconds + 60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    cpu = {k: cpu_seconds(v) - before[k] for k, v in groups.items() if v}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu["wrk"] = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
    other = (machine_busy() - busy - sum(cpu.values())) / (time.monotonic() - started)
    summary = re.search(r"^BENCH (.*)$", out, re.M)
    if proc.returncode != 0 or summary is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {out}\n{err}")
    values = dict(pair.split("=") for pair in summary.group(1).split())
    status, sent, wrapped = collections.Counter(), [], 0
    for match in re.finditer(r"^THREAD (.*)$", out, re.M):
        thread = {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}
        sent.append(thread["sent"])
        wrapped += thread["wrapped"]
        for key in ("s201", "s200", "s3xx", "s4xx", "s5xx"):
            status[key[1:]] += thread[key]
    return Load(int(values["requests"]), int(values["duration_us"]) / 1e6, int(values["p50"]) / 1000,
                int(values["p95"]) / 1000, int(values["p99"]) / 1000, int(values["max"]) / 1000,
                sum(int(values[k]) for k in ("connect", "read", "write", "timeout")), sent, status, wrapped, cpu,
                max(other, 0.0))


def verify(school, since, ids_sent: set[str], load: Load) -> tuple[bool, str]:
    """Exactly one Inspection and one AuditEvent per submission the server received."""
    from core.models import AuditEvent
    from inspections.models import Finding, Inspection

    time.sleep(1)  # requests still in flight when wrk stopped finish on the server
    rows = list(Inspection.objects.filter(organisation=school, received_at__gte=since).values_list("pk", "client_id"))
    client_ids = [str(c) for _, c in rows]
    audits = collections.Counter(AuditEvent.objects.filter(
        organisation=school, object_type="inspections.inspection", at__gte=since).values_list("object_id", flat=True))
    pks = {str(pk) for pk, _ in rows}
    ok = (set(client_ids) <= ids_sent and len(set(client_ids)) == len(client_ids)
          and load.status["201"] <= len(rows) <= sum(load.sent_per_thread)
          and set(audits) == pks and all(n == 1 for n in audits.values())
          and not Finding.objects.filter(organisation=school).exists())
    in_flight = len(rows) - load.status["201"]
    return ok, (f"{len(rows):,} inspections, {sum(audits.values()):,} audit entries"
                + (f" ({in_flight} in flight at stop)" if in_flight else "") + (" ✓" if ok else " ✗ MISMATCH"))


def seed_half(school, schedule, teachers: list[Teacher]) -> None:
    """Mid-rush state for the GET pages: half the classes have reported today."""
    from django.utils import timezone

    from core.testing.inspections import ALL_PASS
    from inspections.models import Inspection

    today = timezone.localdate()
    Inspection.objects.bulk_create([
        Inspection(organisation=school, client_id=uuid.uuid4(), schedule=schedule,
                   version=schedule.checklist.current_version, grid_id=t.grid_id, on_date=today,
                   submitted_by_id=t.user_id, answers=dict(ALL_PASS)) for t in teachers[::2]])


def measure_server(db, school, schedule, teachers, workers, threads, args) -> list[dict]:
    from django.db import connection
    from django.utils import timezone

    rows = []
    clean_inspections(school)
    seed_half(school, schedule, teachers)
    connection.close()
    with Server(db, workers, threads, args.wsgi) as server:
        print(f"  gunicorn {server.label} on {server.url}", flush=True)
        html = urllib.request.urlopen(urllib.request.Request(
            server.url + task_path(schedule, teachers[0]), headers={"Cookie": teachers[0].cookie})).read().decode()
        version_id = int(re.search(r'name="version" value="(\d+)"', html).group(1))
        patrol = [f"GET\t/patrol/\t{t.cookie}\t\t" for t in teachers]
        scan = [f"GET\t/q/{t.qr_token}/\t{t.cookie}\t\t" for t in teachers]
        run_wrk(server, patrol + scan, connections=8, seconds=2, name="warmup")
        for label, lines in (("GET /patrol/", patrol), ("GET /q/<token>/", scan)):
            load = run_wrk(server, lines, connections=args.get_connections, seconds=args.get_seconds,
                           name="get", threads=1)
            errors = load.socket_errors + load.requests - load.status["200"]
            rows.append({"server": server.label, "request": label, "conns": args.get_connections, "load": load,
                         "errors": errors, "check": "(half the classes reported)"})
        clean_inspections(school)
        connection.close()
        fields = answers(version_id)
        lines, ids = [], set()
        for n in range(int(args.seconds * MAX_RATE)):
            teacher = teachers[n % len(teachers)]
            client_id = str(uuid.uuid4())
            ids.add(client_id)
            body = urlencode({**fields, "client_id": client_id, "device_time": now_iso()})
            lines.append(f"POST\t{task_path(schedule, teacher)}\t{teacher.cookie}\t{teacher.csrf}\t{body}")
        since = timezone.now()
        load = run_wrk(server, lines, connections=args.connections, seconds=args.seconds, name="submit", threads=1)
    ok, check = verify(school, since, ids, load)
    errors = load.socket_errors + load.requests - load.status["201"]
    rows.insert(0, {"server": server.label, "request": "POST submit", "conns": args.connections, "load": load,
                    "errors": errors, "check": check, "ok": ok})
    for row in rows:
        load = row["load"]
        cpu = ", ".join(f"{k} {1000 * v / max(load.requests, 1):.1f}" for k, v in load.cpu.items())
        print(f"    {row['request']:<16} {load.rate:7.1f}/s  p50 {load.p50:7.1f} ms  p95 {load.p95:7.1f}  "
              f"p99 {load.p99:7.1f}  errors {row['errors']}  CPU ms/request: {cpu}  others {load.other:.2f} cores  "
              f"{row['check']}", flush=True)
    return rows


def run_database(db: str, args) -> int:
    os.environ.update(database_env(db))
    (VAR / db).mkdir(parents=True, exist_ok=True)
    if db == "postgresql":
        ensure_postgres_database()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    call_command("migrate", verbosity=0)
    school, schedule, teachers = build()
    clean_inspections(school)
    log_in(teachers)
    vendor = connection.vendor
    print(f"== {vendor}: {len(teachers)} teachers ==", flush=True)
    wait_for_quiet()
    floor_rates = floor(school, schedule, teachers)
    print(f"  floor: bulk_create {floor_rates['bulk']:,.0f}/s, one transaction each {floor_rates['single']:,.0f}/s")
    wait_for_quiet()
    single = in_process(schedule, teachers, args.profile)
    clean_inspections(school)
    for label, ms, n, queries in single:
        print(f"  in-process {label}: {ms:.1f} ms, {n} queries")
        if args.show_queries:
            for sql in queries:
                print(f"      {sql[:160]}")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    rows = []
    for config in args.configs.split(","):
        kind, _, size = config.partition(":")
        workers, _, threads = size.partition("x")
        rows += measure_server(db, school, schedule, teachers, int(workers),
                               int(threads or 1) if kind == "gthread" else 1, args)
    clean_inspections(school)

    submits = [r for r in rows if r["request"] == "POST submit"]
    best = max(submits, key=lambda r: r["load"].rate)
    lines = []
    for r in rows:
        load = r["load"]
        cpu = " / ".join(f"{1000 * v / max(load.requests, 1):.1f}" for k, v in load.cpu.items())
        lines.append(f"| {vendor} | {r['server']} | {r['request']} | {r['conns']} | {load.rate:,.1f} | "
                     f"{load.p50:.1f} | {load.p95:.1f} | {load.p99:.1f} | {r['errors']} | {cpu} | {load.other:.2f} | "
                     f"{r['check']} |")
    configs = ", ".join(dict.fromkeys(r["server"] for r in rows))
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    cpu_cols = "gunicorn / postgres / wrk" if vendor == "postgresql" else "gunicorn / wrk"
    in_proc = "; ".join(f"{label} {ms:.1f} ms, {n} queries" for label, ms, n, _ in single)
    target = "met" if best["load"].rate >= 100 and best.get("ok") and best["errors"] == 0 else "MISSED"
    cpu_ms = 1000 * sum(best["load"].cpu.values()) / max(best["load"].requests, 1)
    conn_age = "SAFEGRID_CONN_MAX_AGE=600" if vendor == "postgresql" else "SQLite: a connection per request"
    report = (
        f"\n## {stamp} — inspections morning rush (`bench/inspections.py`), {vendor}, gunicorn {configs}, "
        f"{conn_age}, DEBUG off\n\n"
        f"{len(teachers)} class teachers, one session each; wrk on 127.0.0.1 (1 thread), POSTs for "
        f"{args.seconds:g} s at {args.connections} connections, GETs {args.get_seconds:g} s at "
        f"{args.get_connections}. Each POST a fresh client_id; checked afterwards in the database.\n\n"
        f"| db | gunicorn | request | conns | per s | p50 ms | p95 ms | p99 ms | errors | CPU ms/req "
        f"({cpu_cols}) | other processes, cores | check |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        + "\n".join(lines) + "\n\n"
        f"Floor, the same Inspection + AuditEvent rows from one process: bulk_create "
        f"{floor_rates['bulk']:,.0f}/s, one transaction per submission {floor_rates['single']:,.0f}/s. "
        f"Best app rate {best['load'].rate:,.1f}/s ({best['server']}): "
        f"{100 * best['load'].rate / floor_rates['bulk']:.1f}% of bulk, "
        f"{100 * best['load'].rate / floor_rates['single']:.0f}% of one-per-transaction. "
        f"CPU per submission, all processes: {cpu_ms:.1f} ms, so {os.cpu_count()} cores cap it near "
        f"{os.cpu_count() * 1000 / cpu_ms:,.0f}/s. Target ≥ 100 submissions/s: **{target}**.\n\n"
        f"In-process (Django test client, one at a time): {in_proc}.\n"
    )
    print(report)
    if not args.no_append:
        with open(ROOT / "bench" / "results.md", "a") as fh:
            fh.write(report)
    return 0 if all(r.get("ok", True) for r in rows) else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--configs", default="sync:2,sync:4,gthread:2x4",
                        help="gunicorn settings to try: sync:<workers> or gthread:<workers>x<threads>")
    parser.add_argument("--seconds", type=int, default=10, help="length of each submission run")
    parser.add_argument("--connections", type=int, default=300, help="concurrent submissions (all teachers)")
    parser.add_argument("--get-seconds", type=int, default=4)
    parser.add_argument("--get-connections", type=int, default=8)
    parser.add_argument("--profile", action="store_true", help="pyinstrument profile of in-process submissions")
    parser.add_argument("--show-queries", action="store_true", help="print the SQL of one request of each kind")
    parser.add_argument("--wsgi", default="safegrid.wsgi:application",
                        help="WSGI application to serve (to try a change without touching the app; use --no-append)")
    parser.add_argument("--no-append", action="store_true", help="print only; leave bench/results.md alone")
    args, rest = parser.parse_known_args()
    if rest:
        parser.error(f"unknown arguments: {rest}")
    if subprocess.run(["sh", "-c", "command -v wrk"], capture_output=True).returncode != 0:
        print("SKIPPING bench/inspections.py: wrk is missing (apt-get install -y wrk)")
        return 0
    if args.db != "both":
        return run_database(args.db, args)
    failed = 0
    for db in ("sqlite", "postgresql"):
        if db == "postgresql" and not postgres_reachable():
            print(f"== SKIPPING PostgreSQL: no server at {PG_URL} ==")
            continue
        argv = [sys.executable, __file__, *sys.argv[1:], "--db", db]
        failed |= subprocess.run(argv, cwd=ROOT).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
