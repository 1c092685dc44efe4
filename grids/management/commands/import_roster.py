"""manage.py import_roster <org code> <file.xlsx> [--dry-run] [--prune] [--date YYYY-MM-DD]"""

import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor
from grids.roster import apply
from grids.roster.plan import ACTIONS, MODELS
from orgs.models import Organisation


def organisation_by_code(code: str) -> Organisation:
    try:
        return Organisation.objects.get(code=code)
    except Organisation.DoesNotExist as exc:
        raise CommandError(f"no organisation with code {code!r}") from exc


def parse_day(value: str | None) -> datetime.date:
    if not value:
        return timezone.localdate()
    try:
        return datetime.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--date must look like 2026-09-01, not {value!r}") from exc


class Command(BaseCommand):
    help = ("Import a roster workbook (网格责任清单.xlsx) into a school: every error is printed and nothing "
            "changes, or the differences are printed and applied. Removals need --prune.")

    def add_arguments(self, parser):
        parser.add_argument("org_code")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="print the differences, change nothing")
        parser.add_argument("--prune", action="store_true",
                            help="end assignments and post holdings the workbook no longer lists, mark unlisted "
                                 "people as left (nothing is deleted)")
        parser.add_argument("--date", help="the import date (default today): new assignments start on it")

    def handle(self, *args, org_code, file, dry_run, prune, date, **options):
        organisation = organisation_by_code(org_code)
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"no such file: {file}")
        today = parse_day(date)
        plan, counts = apply.import_roster(path.read_bytes(), organisation, today=today, actor=Actor.system(),
                                           prune=prune, dry_run=dry_run,
                                           description=_("网格责任清单导入：%(file)s") % {"file": path.name})
        if plan.errors:
            for error in plan.errors:
                self.stderr.write("\t".join(["" if v is None else str(v) for v in error.as_list()]))
            raise CommandError(f"{len(plan.errors)} error(s) in {path.name}: nothing was changed")
        applied = plan.steps(prune)
        for change in plan.changes:
            pending = change.run is not None and change.removal and not prune
            line = "\t".join([str(ACTIONS[change.action]), str(MODELS[change.model]), change.subject, change.detail])
            self.stdout.write(("(--prune) " if pending else "") + line)
        if dry_run:
            self.stdout.write(f"dry run: {len(applied)} change(s) would be applied to {organisation.code}, "
                              "nothing was changed")
        elif not applied:
            self.stdout.write(f"{organisation.code}: no changes")
        else:
            self.stdout.write(f"{organisation.code}: {len(applied)} change(s) applied "
                              + ", ".join(f"{k}={v}" for k, v in counts.items()))
        skipped = [c for c in plan.changes if c.run is not None and c.removal and not prune]
        if skipped:
            self.stdout.write(f"{len(skipped)} removal(s) not applied: run again with --prune to apply them")
