"""Exit 0 when the PostgreSQL server of the given URL answers, 1 otherwise (used by `make test`).
With --exists, the URL's own database must exist too (used by `make bench` for the seeded district)."""

import sys

import psycopg

url = sys.argv[1].replace("postgres://", "postgresql://", 1)
# Connect to the maintenance database: the test database is created by the test run itself.
base, _, _name = url.rpartition("/")
try:
    psycopg.connect(url if "--exists" in sys.argv[2:] else f"{base}/postgres", connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
