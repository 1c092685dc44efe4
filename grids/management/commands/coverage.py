"""manage.py coverage <org code> [--days N] [--start YYYY-MM-DD] [--json]"""

import json

from django.core.management.base import BaseCommand

from grids import coverage

from .import_roster import organisation_by_code, parse_day


class Command(BaseCommand):
    help = "Print the coverage findings (盲区检查) of an organisation's subtree for a date range."

    def add_arguments(self, parser):
        parser.add_argument("org_code")
        parser.add_argument("--days", type=int, default=coverage.DEFAULT_DAYS, help="days from the start (30)")
        parser.add_argument("--start", help="first day (default today)")
        parser.add_argument("--json", action="store_true", dest="as_json",
                            help="a JSON list of findings: kind, kind_label, subject, reason, days, url, object_id")

    def handle(self, *args, org_code, days, start, as_json, **options):
        organisation = organisation_by_code(org_code)
        result = coverage.compute(organisation, parse_day(start), days)
        if as_json:
            self.stdout.write(json.dumps([f.as_dict() for f in result.findings], ensure_ascii=False, indent=2))
            return
        self.stdout.write(f"{organisation.name} {result.start}–{result.end}: {len(result.findings)} finding(s)")
        for _kind, label, items in result.by_kind():
            self.stdout.write(f"{label} ({len(items)})")
            for finding in items:
                self.stdout.write(f"  {finding.subject}: {finding.reason}  {finding.url}")
