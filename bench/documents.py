"""Documents benchmark: one rectification notice as an A4 PDF (target ≤ 1 s), and the hazard register of
100,000 rows exported to Excel (target ≤ 1.5 × XlsxWriter writing the same rows in constant-memory mode).
Each is timed with its floor in the same run: WeasyPrint rendering a one-line page; XlsxWriter writing the
same 100,000 rows, already in memory as plain values.

    .venv/bin/python bench/documents.py                    # SQLite (var/bench-docs/)
    .venv/bin/python bench/documents.py --db postgresql    # database safegrid_bench_docs (created if missing)

The data (one school, 100,000 hazards on 80 places with five fixes, a notice of 5 hazards) is built once per
database. Writes bench/results/<date>-docs-<db>-documents.{json,md}.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench import harness  # noqa: E402

ROWS = 100_000
PG_URL = os.environ.get("BENCH_DOCS_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/safegrid_bench_docs")


def setup_django(db: str) -> None:
    harness.setup_django(db, PG_URL, "bench-docs")


def build():
    """One school, 80 places, 100,000 hazards; a notice of 5 of them. Once."""
    import datetime
    import random

    from django.db import transaction
    from django.utils import timezone

    from campus.models import Place
    from core.audit import Actor
    from hazards.models import Hazard
    from hazards.notices import issue
    from orgs import actions
    from orgs.models import Organisation
    from people.models import Person

    school = Organisation.objects.filter(code="bd-school").first()
    if school is not None:
        return school
    print("building 100,000 hazards…", flush=True)
    actor = Actor.system()
    rng = random.Random(5)
    with transaction.atomic():
        bureau = actions.create_organisation(actor, code="bd-bureau", name="基准区教育局", kind="bureau")
        school = actions.create_organisation(actor, code="bd-school", name="基准实验学校", kind="school", parent=bureau)
        user = actions.create_user(actor, username="bd_safety", password="Bench#2026", organisation=school,
                                   role="safety_office", must_change_password=False)
        buildings = [Place.objects.create(organisation=school, name=f"{n}号楼", code=f"B{n}", kind="building")
                     for n in range(1, 5)]
        places = [Place.objects.create(organisation=school, name=f"{100 + r}室", code=f"B{b.code}-{r}", kind="room",
                                       parent=b) for b in buildings for r in range(1, 21)]
        people = [Person.objects.create(organisation=school, name=f"教师{n}", staff_no=f"T{n:03d}", category="staff",
                                        department=rng.choice(["总务处", "教务处", "德育处"])) for n in range(40)]
        start = timezone.make_aware(datetime.datetime(2026, 1, 1, 8))
        rows = []
        for n in range(ROWS):
            found = start + datetime.timedelta(minutes=5 * n)
            closed = n % 10 < 8
            rows.append(Hazard(
                organisation=school, place=rng.choice(places), topic=rng.choice(["fire", "electricity", "buildings"]),
                grade="major" if n % 50 == 0 else "general", source="inspection", found_at=found,
                description=f"第{n}项隐患：消防通道有杂物堆放，需清理", state="closed" if closed else "rectifying",
                responsible=rng.choice(people), deadline=found.date() + datetime.timedelta(days=3),
                measures="清理杂物，设置警示标识", funds="公用经费", contingency_plan="专人看守",
                fixed_at=found + datetime.timedelta(days=1) if closed else None, fix_note="已清理" if closed else "",
                verified_at=found + datetime.timedelta(days=2) if closed else None, reported_by=user))
        Hazard.objects.bulk_create(rows, batch_size=2000)
        open_ones = list(Hazard.objects.filter(organisation=school, state="rectifying").order_by("pk")[:5])
        issue(Actor(user=user), school, open_ones, deadline=datetime.date(2026, 12, 31),
              requirements="请按五落实要求限期整改，整改完成后报安全办验收。", recipient_department="总务处")
    return school


def measure(db: str) -> list:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from bench.harness import record, timeit
    from core.audit import Actor
    from hazards import exports
    from hazards.models import Hazard, RectificationNotice
    from orgs.models import User

    school = build()
    user = User.objects.get(username="bd_safety")
    actor = Actor(user=user)
    records = []

    # 1. One rectification notice as a PDF, through the page's own code path (render + audit).
    from django.test import RequestFactory

    from hazards import notice_views

    notice = RectificationNotice.objects.filter(organisation=school).first()
    request = RequestFactory().get(f"/hazards/notices/{notice.pk}/pdf")
    request.user = user
    request.session = {}

    def notice_pdf():
        response = notice_views.notice_pdf(request, notice.pk)
        assert response.status_code == 200 and response.content[:4] == b"%PDF"

    with CaptureQueriesContext(connection) as queries:
        notice_pdf()
    app = timeit(notice_pdf, n=10, warmup=1)
    floor = timeit(_floor_pdf, n=10, warmup=1)
    records.append(record("rectification notice PDF (5 hazards)", app, floor, size="docs", backend=db,
                          floor_name="WeasyPrint one-line page", queries=len(queries), target="≤ 1 s",
                          met=app.p95 <= 1000))

    # 2. The register of 100,000 rows to Excel, as the export view writes it, against the bare writer.
    hazards = Hazard.objects.filter(organisation=school)

    def export():
        response = exports.register_workbook_response(actor, hazards, organisation=school)
        assert len(response.content) > 1_000_000

    values = list(exports.rows(hazards))
    headers = exports.headers()

    def floor_xlsx():
        import xlsxwriter

        buffer = io.BytesIO()
        workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
        sheet = workbook.add_worksheet("隐患台账")
        sheet.write_row(0, 0, headers)
        for n, row in enumerate(values, start=1):
            sheet.write_row(n, 0, row)
        workbook.close()

    reset_queries()
    with CaptureQueriesContext(connection) as queries:
        export()
    app = timeit(export, n=3, warmup=0)
    floor = timeit(floor_xlsx, n=3, warmup=0)
    records.append(record(f"hazard register export ({ROWS:,} rows)", app, floor, size="docs", backend=db,
                          floor_name="XlsxWriter constant memory, same rows", queries=len(queries),
                          target="≤ 1.5 × floor", met=app.p50 <= 1.5 * floor.p50))
    return records


def _floor_pdf():
    from weasyprint import HTML

    HTML(string="<!DOCTYPE html><html><body><p>隐患整改通知书</p></body></html>").write_pdf()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    setup_django(args.db)
    from bench.harness import write

    write(measure(args.db), size="docs", backend=args.db, title="documents")
    return 0


if __name__ == "__main__":
    sys.exit(main())
