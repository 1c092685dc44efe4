"""The benchmark suite's common parts: timing with percentiles, a record per benchmark (the app path and
its floor measured in the same run, and their ratio), machine and version facts, and the results written
to bench/results/<date>-<size>-<db>.json with a Markdown summary beside it.

A benchmark module builds `Record`s and calls `write(records, size=…, backend=…)`; README quotes the
Markdown. Nothing here imports Django: the modules set Django up themselves (each its own settings).
"""

from __future__ import annotations

import dataclasses
import datetime
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


@dataclasses.dataclass
class Timing:
    n: int
    p50: float  # milliseconds
    p95: float
    p99: float
    total: float  # seconds

    @property
    def throughput(self) -> float:
        return self.n / self.total if self.total else 0.0


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-q * len(ordered) // 100))))
    return ordered[rank - 1]


def timeit(fn: Callable[[], object], *, n: int, warmup: int = 2) -> Timing:
    """Call fn n times (after `warmup` untimed calls): per-call percentiles in ms and the total time."""
    for _ in range(warmup):
        fn()
    samples = []
    started = time.perf_counter()
    for _ in range(n):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    total = time.perf_counter() - started
    return Timing(n, percentile(samples, 50), percentile(samples, 95), percentile(samples, 99), total)


def peak_memory_mb() -> float:
    """This process's peak resident memory so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclasses.dataclass
class Record:
    name: str
    size: str
    backend: str
    n: int
    p50: float | None
    p95: float | None
    p99: float | None
    throughput: float | None
    peak_memory_mb: float | None
    queries: int | None
    baseline_name: str
    baseline_value: float | None  # the floor's p50 (ms) unless `unit` says otherwise
    ratio: float | None  # app ÷ floor (p50; for throughput benchmarks floor ÷ app, so higher is worse alike)
    target: str = ""
    met: bool | None = None
    note: str = ""
    unit: str = "ms"
    machine: dict = dataclasses.field(default_factory=dict)
    versions: dict = dataclasses.field(default_factory=dict)
    git_sha: str = ""


def record(name: str, timing: Timing, floor: Timing | None, *, size: str, backend: str, floor_name: str = "",
           queries: int | None = None, target: str = "", met: bool | None = None, note: str = "") -> Record:
    ratio = round(timing.p50 / floor.p50, 2) if floor and floor.p50 else None
    return Record(name=name, size=size, backend=backend, n=timing.n, p50=round(timing.p50, 2),
                  p95=round(timing.p95, 2), p99=round(timing.p99, 2), throughput=round(timing.throughput, 1),
                  peak_memory_mb=round(peak_memory_mb(), 1), queries=queries, baseline_name=floor_name,
                  baseline_value=round(floor.p50, 2) if floor else None, ratio=ratio, target=target, met=met,
                  note=note)


def machine() -> dict:
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    memory = None
    try:
        memory = round(int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024, 1)
    except (OSError, IndexError, ValueError):
        pass
    return {"cpus": os.cpu_count(), "memory_gib": memory, "platform": platform.platform(),
            "python": platform.python_version(), "load_1min": load}


def versions() -> dict:
    from importlib import metadata

    found = {}
    for package in ("Django", "psycopg", "gunicorn", "weasyprint", "XlsxWriter", "python-calamine"):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def git_sha() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def write(records: list[Record], *, size: str, backend: str, title: str) -> Path:
    """Write bench/results/<date>-<size>-<backend>-<title>.json and .md; returns the Markdown path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    facts, vers, sha = machine(), versions(), git_sha()
    for r in records:
        r.machine, r.versions, r.git_sha = facts, vers, sha
    now = real_now()
    stamp = now.strftime("%Y-%m-%d")
    base = RESULTS / f"{stamp}-{size}-{backend}-{title}"
    base.with_suffix(".json").write_text(json.dumps([dataclasses.asdict(r) for r in records], ensure_ascii=False,
                                                    indent=1))
    lines = [f"## {title} — size {size}, {backend}, {now:%Y-%m-%d %H:%M}, git {sha}", "",
             f"Machine: {facts['cpus']} cores, {facts['memory_gib']} GiB, load {facts['load_1min']:.2f} at the end; "
             f"Python {facts['python']}, " + ", ".join(f"{k} {v}" for k, v in vers.items()), "",
             "| benchmark | n | p50 | p95 | p99 | per s | floor | floor p50 | ratio | queries | target | met |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in records:
        met = "" if r.met is None else ("✓" if r.met else "✗")
        queries = "" if r.queries is None else r.queries
        lines.append(f"| {r.name} | {r.n} | {_f(r.p50)} | {_f(r.p95)} | {_f(r.p99)} | {_f(r.throughput)} | "
                     f"{r.baseline_name} | {_f(r.baseline_value)} | {_f(r.ratio)} | {queries} | {r.target} | {met} |")
    notes = [f"- {r.name}: {r.note}" for r in records if r.note]
    if notes:
        lines += ["", *notes]
    text = "\n".join(lines) + "\n"
    base.with_suffix(".md").write_text(text)
    print(text, flush=True)
    return base.with_suffix(".md")


def setup_django(db: str, pg_url: str, var_name: str, env: dict | None = None) -> None:
    """Django for a benchmark of its own database: PostgreSQL at `pg_url` (created if missing) or SQLite under
    var/<var_name>/, migrated. Called before anything imports Django models."""
    os.environ["SAFEGRID_SECURE"] = "0"
    os.environ["DJANGO_SETTINGS_MODULE"] = "safegrid.settings"
    os.environ.update(env or {})
    if db == "postgresql":
        os.environ["DATABASE_URL"] = pg_url
        import psycopg

        base, _, name = pg_url.rpartition("/")
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["SAFEGRID_VAR_DIR"] = str(ROOT / "var" / var_name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def real_now() -> datetime.datetime:
    """The wall clock's time in the product's time zone (every module's results dated alike, whether or not it
    loaded Django, which sets the process's zone), also while a benchmark has moved its own clock (bench/travel.py)."""
    import zoneinfo

    zone = zoneinfo.ZoneInfo("Asia/Shanghai")
    try:
        import time_machine
    except ImportError:
        return datetime.datetime.now(zone)
    if time_machine.escape_hatch.is_travelling():
        return time_machine.escape_hatch.datetime.datetime.now(zone)
    return datetime.datetime.now(zone)


def _f(value) -> str:
    return "" if value is None else (f"{value:,.2f}" if isinstance(value, float) else str(value))


def main_guard() -> None:
    """Benchmarks run from the project root's interpreter (the virtualenv)."""
    if not (ROOT / ".venv").exists() or ".venv" not in sys.prefix:
        print("run with the project's virtualenv: .venv/bin/python bench/<module>.py", file=sys.stderr)
