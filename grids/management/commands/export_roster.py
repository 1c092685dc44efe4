"""manage.py export_roster <org code> <out.xlsx>"""

from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils import timezone

from core.audit import Actor, AuditAction, record
from grids.roster import writer
from grids.roster.apply import OBJECT_TYPE

from .import_roster import organisation_by_code, parse_day


class Command(BaseCommand):
    help = "Export a school's roster workbook (网格责任清单.xlsx); importing it back changes nothing."

    def add_arguments(self, parser):
        parser.add_argument("org_code")
        parser.add_argument("out")
        parser.add_argument("--date", help="the day whose current assignments are exported (default today)")

    def handle(self, *args, org_code, out, date, **options):
        organisation = organisation_by_code(org_code)
        today = parse_day(date) if date else timezone.localdate()
        sheets = writer.export_sheets(organisation, today)
        Path(out).write_bytes(writer.write_workbook(sheets))
        rows = writer.count_rows(sheets)
        record(Actor.system(), AuditAction.EXPORT, organisation=organisation, object_type=OBJECT_TYPE,
               object_repr=f"网格责任清单导出 {organisation.name}", changes={"rows": [None, rows]})
        self.stdout.write(f"{organisation.code}: {rows} rows written to {out}")
