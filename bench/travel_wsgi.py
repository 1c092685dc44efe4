"""The app with its clock moved (`BENCH_NOW`, an ISO date-time in the project's time zone), ticking from there:
a benchmark over a seeded district runs on the school day after the seeded history, whatever today is."""

import os

from bench.travel import start_travel

start_travel(os.environ.get("BENCH_NOW", ""))

from safegrid.wsgi import application  # noqa: E402, F401
