"""Foundation benchmark: scoped lists over a district-sized data set.

Builds (once per database) a bureau with 60 schools, 4 divisions each, 3,000 accounts and
300,000 audit entries, then times the pages every user hits: home, organisation list, audit log
(first page and a filtered page) for a school safety officer and for the bureau admin.

    make bench                                    # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/safegrid_bench make bench

Results are printed and appended to bench/results.md.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SAFEGRID_SECURE", "0")
if not os.environ.get("DATABASE_URL"):
    os.environ["SAFEGRID_VAR_DIR"] = str(ROOT / "var" / "bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "safegrid.settings")

import django  # noqa: E402

django.setup()

import datetime  # noqa: E402
import random  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from core.audit import Actor  # noqa: E402
from core.models import AuditAction, AuditEvent  # noqa: E402
from orgs import actions  # noqa: E402
from orgs.models import Membership, Organisation, User  # noqa: E402
from orgs.roles import Role  # noqa: E402

SCHOOLS, DIVISIONS, USERS_PER_SCHOOL, EVENTS = 60, 4, 50, 300_000


def build():
    if Organisation.objects.filter(code="b-bureau").exists():
        return
    print("building the data set…", flush=True)
    actor = Actor.system()
    with transaction.atomic():
        bureau = actions.create_organisation(actor, code="b-bureau", name="基准区教育局", kind="bureau")
        actions.create_user(actor, username="b_admin", password="Bench#2026", organisation=bureau,
                            role=Role.BUREAU_ADMIN, must_change_password=False)
        schools = []
        for s in range(SCHOOLS):
            school = actions.create_organisation(actor, code=f"b-s{s}", name=f"基准学校{s}", kind="school",
                                                 parent=bureau)
            schools.append(school)
            for d in range(DIVISIONS):
                actions.create_organisation(actor, code=f"b-s{s}-d{d}", name=f"学部{d}", kind="division",
                                            parent=school)
        users, memberships = [], []
        for s in range(len(schools)):
            for u in range(USERS_PER_SCHOOL):
                users.append(User(username=f"b_s{s}_u{u}", name=f"教师{s}-{u}", password="!"))
        User.objects.bulk_create(users, batch_size=1000)
        by_name = dict(User.objects.filter(username__startswith="b_s").values_list("username", "pk"))
        for s, school in enumerate(schools):
            for u in range(USERS_PER_SCHOOL):
                role = Role.SAFETY_OFFICE if u == 0 else Role.GRID_MEMBER
                memberships.append(Membership(user_id=by_name[f"b_s{s}_u{u}"], organisation=school, role=role))
        Membership.objects.bulk_create(memberships, batch_size=1000)
        safety = User.objects.get(username="b_s0_u0")
        safety.set_password("Bench#2026")
        safety.save()
    rng = random.Random(7)
    now = timezone.now()
    orgs = list(Organisation.objects.filter(code__startswith="b-s"))
    batch = []
    for i in range(EVENTS):
        org = orgs[rng.randrange(len(orgs))]
        batch.append(AuditEvent(
            at=now - datetime.timedelta(minutes=i), actor_name="教师", organisation=org, org_path=org.path,
            action=rng.choice([AuditAction.CREATE, AuditAction.UPDATE, AuditAction.LOGIN]),
            object_type="orgs.organisation", object_id=str(org.pk), object_repr=org.name,
            changes={"name": ["旧", "新"]},
        ))
        if len(batch) == 5000:
            AuditEvent.objects.bulk_create(batch)
            batch = []
    AuditEvent.objects.bulk_create(batch)
    # Steady state: production databases have statistics (autovacuum, PRAGMA optimize).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def timed(client, url, runs=15):
    client.get(url)
    samples, queries = [], 0
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx.captured_queries)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1], queries


def main():
    call_command("migrate", verbosity=0)
    build()
    vendor = connection.vendor
    rows = []
    for username in ("b_s0_u0", "b_admin"):
        client = Client()
        client.force_login(User.objects.get(username=username), backend="orgs.backends.Backend")
        school = Organisation.objects.get(code="b-s0")
        for label, url in [
            ("home", "/"),
            ("organisations", "/organisations/"),
            ("audit log p1", "/audit/"),
            ("audit log p5 filtered", f"/audit/?action=update&organisation={school.pk}&page=5"),
        ]:
            median, p90, queries = timed(client, url)
            rows.append((vendor, username, label, median, p90, queries))
    header = "| db | user | page | median ms | p90 ms | queries |\n|---|---|---|---|---|---|"
    lines = [f"| {v} | {u} | {p} | {m:.1f} | {p9:.1f} | {q} |" for v, u, p, m, p9, q in rows]
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    report = (f"\n## {stamp} — {vendor}, {AuditEvent.objects.count():,} audit entries, "
              f"{Organisation.objects.count()} organisations, {User.objects.count():,} users\n\n"
              + header + "\n" + "\n".join(lines) + "\n")
    print(report)
    with open(ROOT / "bench" / "results.md", "a") as fh:
        fh.write(report)


if __name__ == "__main__":
    main()
