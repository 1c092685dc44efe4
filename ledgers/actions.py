"""Writes of the ledgers app: asking for a ledger (the drawing up itself is `ledgers.jobs`)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record

from .choices import LedgerStatus, PeriodKind
from .models import RUNNING, LedgerExport, period_bounds


def request_ledger(actor: Actor, school, kind: str, year: int, part: int | None = None, *,
                   now=None) -> tuple[LedgerExport, bool]:
    """Queue the safety ledger (安全台账, 方案15) of a school and period; (ledger, True) when queued now.

    The same period already queued or running (and not abandoned) is not drawn up twice: that one is
    returned, with False. The request is an audit event; the task is queued in the same transaction (the
    database queue makes it visible to workers only once the row is committed).
    """
    from .tasks import build_ledger

    part = None if kind == PeriodKind.YEAR else part
    start, end = period_bounds(kind, year, part)
    now = now or timezone.now()
    with transaction.atomic():
        pending = (LedgerExport.objects.filter(organisation=school, kind=kind, year=year, part=part, status__in=RUNNING)
                   .order_by("-requested_at").first())
        if pending is not None and not pending.is_stale(now):
            return pending, False
        if pending is not None:  # its worker is gone: say so, and start afresh
            LedgerExport.objects.filter(pk=pending.pk, status__in=RUNNING).update(
                status=LedgerStatus.FAILED, finished_at=now, message=_("生成中断（超过30分钟未完成），已重新生成。"))
        ledger = LedgerExport.objects.create(
            organisation=school, kind=kind, year=year, part=part, start=start, end=end, requested_by=actor.user,
            requested_by_name=actor.name if actor.user is not None else "", requested_at=now)
        record(actor, AuditAction.CREATE, ledger, changes={
            "period": [None, ledger.period_label], "start": [None, start.isoformat()], "end": [None, end.isoformat()]})
        build_ledger.enqueue(ledger.pk)
    ledger.refresh_from_db()
    return ledger, True
