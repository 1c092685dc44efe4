"""Exit 0 when the PostgreSQL server of the given URL answers, 1 otherwise (used by `make test`)."""

import sys

import psycopg

url = sys.argv[1].replace("postgres://", "postgresql://", 1)
# Connect to the maintenance database: the test database is created by the test run itself.
base, _, _name = url.rpartition("/")
try:
    psycopg.connect(f"{base}/postgres", connect_timeout=3).close()
except psycopg.Error:
    sys.exit(1)
