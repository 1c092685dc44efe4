"""Run once a day (cron, after midnight): flag hazards left overnight and escalate the overdue ones."""

import datetime

from django.core.management.base import BaseCommand

from hazards import workflow


class Command(BaseCommand):
    help = ("Flag hazards nobody acted on the day they were found (隐患不过夜), escalate overdue ones and "
            "remind responsible people of near deadlines.")

    def add_arguments(self, parser):
        parser.add_argument("--date", type=datetime.date.fromisoformat, default=None,
                            help="the day to run for (default: today)")

    def handle(self, *args, **options):
        counts = workflow.daily(options["date"])
        self.stdout.write(", ".join(f"{name.replace('_', ' ')}: {n}" for name, n in counts.items()))
