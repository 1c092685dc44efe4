"""SafeGrid's settings with one extra URL, /bench/hello, for bench/framework.py: Django answering "hello"
through the project's whole middleware stack (sessions, auth, CSRF, locale, CSP, axes, …)."""

from safegrid.settings import *  # noqa: F403

ROOT_URLCONF = "bench.hello_urls"
