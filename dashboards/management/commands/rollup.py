"""Run nightly (after midnight): roll up yesterday for every school and recompute stale rows."""

import datetime

from django.core.management.base import BaseCommand
from django.utils import timezone

from dashboards import rollups
from orgs.choices import SCHOOL_KINDS
from orgs.models import Organisation


class Command(BaseCommand):
    help = "Compute the daily roll-ups (yesterday, or --since/--until) of every school; recompute stale rows."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.date.fromisoformat, default=None)
        parser.add_argument("--until", type=datetime.date.fromisoformat, default=None)

    def handle(self, *args, **options):
        yesterday = timezone.localdate() - datetime.timedelta(days=1)
        since, until = options["since"] or yesterday, options["until"] or yesterday
        schools = list(Organisation.objects.filter(kind__in=SCHOOL_KINDS).order_by("path"))
        written = rollups.rebuild(schools, since, until)
        stale = rollups.refresh_stale()
        self.stdout.write(f"rolled up {written} school-days, recomputed {stale} stale")
