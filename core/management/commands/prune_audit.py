import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core.models import AuditEvent

MIN_DAYS = 180


class Command(BaseCommand):
    help = "Delete audit log entries older than the retention period (at least 180 days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=settings.AUDIT_RETENTION_DAYS)

    def handle(self, *args, days, **options):
        if days < MIN_DAYS:
            raise CommandError(f"审计日志至少保留{MIN_DAYS}天 (the audit log is kept at least {MIN_DAYS} days).")
        cutoff = timezone.now() - datetime.timedelta(days=days)
        removed = AuditEvent.prune(cutoff)
        self.stdout.write(f"removed {removed} audit entries older than {cutoff:%Y-%m-%d %H:%M}")
