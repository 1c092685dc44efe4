"""Framework benchmark: the ceiling (a bare WSGI "hello") and Django answering "hello" through SafeGrid's whole
middleware stack, both under gunicorn (sync workers) on 127.0.0.1, loaded by wrk in the same run.

Target: Django hello ≥ 0.5 × bare WSGI (requests per second).

    .venv/bin/python bench/framework.py [--seconds 10] [--connections 16] [--workers 2]

Needs wrk (Debian package `wrk`). Writes bench/results/<date>-none-none-framework.{json,md}.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.harness import Record, machine, write  # noqa: E402

LUA = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH requests=%d duration_us=%d p50=%d p95=%d p99=%d errors=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.timeout, e.status))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn serving `app` from the project root until the `with` block ends (its process group killed)."""

    def __init__(self, app: str, *, workers: int, env: dict | None = None, probe: str = "/"):
        self.app, self.workers, self.env, self.probe = app, workers, env or {}, probe
        self.port = free_port()
        self.proc = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        log = ROOT / "var" / "bench-gunicorn.log"
        log.parent.mkdir(exist_ok=True)
        cmd = [sys.executable, "-m", "gunicorn", self.app, "-b", f"127.0.0.1:{self.port}", "-w", str(self.workers),
               "--chdir", str(ROOT), "--no-control-socket", "--log-level", "warning", "--error-logfile", str(log),
               "--backlog", "2048"]
        env = {**os.environ, "SAFEGRID_SECURE": "0", **self.env}
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(self.url + self.probe, timeout=2) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                raise RuntimeError(f"gunicorn {self.app} did not start: see {log}")
            time.sleep(0.2)

    def __exit__(self, *exc):
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


def wrk(url: str, *, seconds: int, connections: int, threads: int = 1, headers: list[str] = ()) -> dict:
    """wrk against one URL (with extra request headers): requests, per second, p50/p95/p99 in ms, errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    try:
        extra = [arg for header in headers for arg in ("-H", header)]
        out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--timeout",
                              "10s", "-s", script.name, *extra, url], capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    values = {k: int(v) for k, v in (p.split("=") for p in re.search(r"^BENCH (.*)$", out, re.M).group(1).split())}
    duration = values["duration_us"] / 1e6
    return {"requests": values["requests"], "per_s": values["requests"] / duration, "p50": values["p50"] / 1000,
            "p95": values["p95"] / 1000, "p99": values["p99"] / 1000, "errors": values["errors"] + values["non2xx"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    runs = {}
    with Gunicorn("bench.hello_wsgi:application", workers=args.workers) as server:
        runs["bare"] = wrk(server.url + "/", seconds=args.seconds, connections=args.connections)
    with Gunicorn("bench.hello_django_wsgi:application", workers=args.workers, probe="/bench/hello") as server:
        runs["django"] = wrk(server.url + "/bench/hello", seconds=args.seconds, connections=args.connections)
    bare, django = runs["bare"], runs["django"]
    share = django["per_s"] / bare["per_s"]
    label = f"gunicorn sync -w {args.workers}, wrk -c {args.connections}, {args.seconds} s"
    records = []
    for name, run, floor in (("bare WSGI hello", bare, None), ("Django hello (full middleware)", django, bare)):
        records.append(Record(
            name=name, size="none", backend="none", n=run["requests"], p50=round(run["p50"], 2),
            p95=round(run["p95"], 2), p99=round(run["p99"], 2), throughput=round(run["per_s"], 1),
            peak_memory_mb=None, queries=0, baseline_name="bare WSGI hello (per s)" if floor else "",
            baseline_value=round(floor["per_s"], 1) if floor else None,
            ratio=round(share, 2) if floor else None, unit="per s",
            target="≥ 0.5 × bare" if floor else "", met=share >= 0.5 if floor else None,
            note=f"{label}; errors {run['errors']}" + (f"; Django ÷ bare = {share:.2f}" if floor else "")))
    write(records, size="none", backend="none", title="framework")
    print(f"machine load afterwards: {machine()['load_1min']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
