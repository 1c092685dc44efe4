"""An open-loop HTTP load generator: requests leave on a fixed schedule whether or not earlier ones
have been answered, and each latency counts from the moment its request was *due*, not from when it
was sent. A closed-loop tool (wrk, locust users) waits for an answer before it sends the next request,
so a slow server slows the load down and hides its own queue ("coordinated omission"); the morning
rush is thousands of phones that do not wait for each other.

Arrivals are a Poisson process at the given rate (fixed seed). Every request opens its own connection
and asks the server to close it (gunicorn's sync workers close after each response anyway), so a busy
server shows up as time spent waiting in its listen backlog, which is what a phone sees.

Nothing here imports Django. `run(...)` takes pre-built raw requests; `Request.build` makes them.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import random
import resource
import time

from bench.harness import percentile


@dataclasses.dataclass(frozen=True)
class Request:
    kind: str  # what the mix calls it: "patrol", "submit", "dashboard", …
    data: bytes  # the raw HTTP/1.1 request
    expect: int  # the status that counts as success

    @classmethod
    def build(cls, kind: str, method: str, path: str, *, host: str, headers: dict[str, str] | None = None,
              body: bytes = b"", expect: int = 200) -> Request:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close", "User-Agent: safegrid-bench"]
        for name, value in (headers or {}).items():
            lines.append(f"{name}: {value}")
        if body or method == "POST":
            lines.append(f"Content-Length: {len(body)}")
        return cls(kind, ("\r\n".join(lines) + "\r\n\r\n").encode() + body, expect)


@dataclasses.dataclass
class Result:
    rate: float  # requests per second asked for
    seconds: float  # the schedule's length
    sent: int
    latencies: dict[str, list[float]]  # kind → ms, successes and failures alike
    statuses: collections.Counter  # (kind, status or error name) → count
    errors: int
    late_start_ms: float  # p99 of how late the generator itself was in sending (its own lag)
    cpu_seconds: float  # the generator's own CPU

    def all(self) -> list[float]:
        return [ms for values in self.latencies.values() for ms in values]

    def p(self, q: float, kind: str | None = None) -> float:
        values = self.latencies.get(kind, []) if kind else self.all()
        return percentile(values, q) if values else float("nan")

    @property
    def achieved(self) -> float:
        return self.sent / self.seconds if self.seconds else 0.0


def schedule(rate: float, seconds: float, seed: int) -> list[float]:
    """Send times (seconds from the start) of a Poisson process at `rate` per second."""
    rng, at, times = random.Random(seed), 0.0, []
    while True:
        at += rng.expovariate(rate)
        if at >= seconds:
            return times
        times.append(at)


async def _one(host: str, port: int, request: Request, due: float, timeout: float) -> tuple[float, str]:
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        try:
            writer.write(request.data)
            await writer.drain()
            head = await asyncio.wait_for(reader.readline(), timeout)
            remaining = timeout - (time.perf_counter() - due)
            await asyncio.wait_for(reader.read(), max(remaining, 0.001))  # the body, to the server's close
        finally:
            writer.close()
    except TimeoutError:
        return (time.perf_counter() - due) * 1000, "timeout"
    except OSError as exc:
        return (time.perf_counter() - due) * 1000, type(exc).__name__
    parts = head.split(b" ", 2)
    status = parts[1].decode() if len(parts) > 1 else "bad-response"
    return (time.perf_counter() - due) * 1000, status


async def _run(host: str, port: int, mix: list[Request], times: list[float], timeout: float) -> tuple:
    latencies: dict[str, list[float]] = collections.defaultdict(list)
    statuses: collections.Counter = collections.Counter()
    errors, lags, pending = 0, [], set()

    async def fire(request: Request, due: float):
        nonlocal errors
        ms, status = await _one(host, port, request, due, timeout)
        latencies[request.kind].append(ms)
        statuses[(request.kind, status)] += 1
        if status != str(request.expect):
            errors += 1

    start = time.perf_counter() + 0.05
    for i, offset in enumerate(times):
        due = start + offset
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        lags.append((time.perf_counter() - due) * 1000)
        task = asyncio.create_task(fire(mix[i % len(mix)], due))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        await asyncio.wait(pending)
    return latencies, statuses, errors, lags


def run(url: str, mix: list[Request], *, rate: float, seconds: float, timeout: float = 30.0, seed: int = 6) -> Result:
    """Send `mix` (cycled) to `url` open-loop at `rate` requests per second for `seconds`."""
    host, _, port = url.removeprefix("http://").rstrip("/").partition(":")
    times = schedule(rate, seconds, seed)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    cpu = time.process_time()
    latencies, statuses, errors, lags = asyncio.run(_run(host, int(port or 80), mix, times, timeout))
    return Result(rate=rate, seconds=seconds, sent=len(times), latencies=dict(latencies), statuses=statuses,
                  errors=errors, late_start_ms=percentile(lags, 99) if lags else 0.0,
                  cpu_seconds=time.process_time() - cpu)
