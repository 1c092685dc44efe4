"""Drawing up a requested ledger in the background: claim it, gather and render it, store the PDF.

A ledger of a year takes seconds (WeasyPrint lays out some 35 pages), so it never runs in a request: the
request queues a task (`ledgers.actions.request_ledger`) and the page polls the LedgerExport row. The claim
is a conditional update (queued → running), so a task delivered twice draws the ledger once; any error
leaves the row failed with a Chinese message and no file behind.
"""

from __future__ import annotations

import contextlib
import datetime
import logging

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.pdf import html_to_pdf

from . import content
from .choices import LedgerStatus
from .models import LedgerExport

log = logging.getLogger(__name__)


def _language(ledger: LedgerExport) -> str:
    """The ledger speaks the requester's language (Chinese unless they chose English)."""
    user = ledger.requested_by
    return getattr(user, "language", "") or settings.LANGUAGE_CODE


def _failure(exc: BaseException) -> str:
    reason = str(exc).strip() or type(exc).__name__
    return _("台账生成失败：%(error)s。请稍后重新生成；如仍失败，请联系系统管理员。") % {"error": reason[:300]}


def build(ledger_id: int, *, today: datetime.date | None = None) -> LedgerExport | None:
    """Claim a queued ledger and draw it up as of `today` (the clock's date unless given). None when it was
    not waiting (already taken by another worker, done, or gone)."""
    claimed = LedgerExport.objects.filter(pk=ledger_id, status=LedgerStatus.QUEUED).update(
        status=LedgerStatus.RUNNING, started_at=timezone.now())
    if not claimed:
        log.info("ledger %s: not queued, nothing to do", ledger_id)
        return None
    ledger = LedgerExport.objects.select_related("organisation__parent", "requested_by").get(pk=ledger_id)
    stored = ""
    try:
        with translation.override(_language(ledger)):
            # Inside a transaction (the tests' immediate backend runs the task within the request's), a savepoint
            # keeps a failed query from leaving the connection unusable for recording the failure. A worker runs
            # in autocommit and takes none: on SQLite a transaction would hold the write lock while it reads.
            with transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext():
                gathered = content.gather(ledger, today=today)
            html = content.render_html(gathered)
            pdf, pages = html_to_pdf(html)
        ledger.file.save(f"{ledger.pk}.pdf", ContentFile(pdf), save=False)
        stored = ledger.file.name
        LedgerExport.objects.filter(pk=ledger.pk).update(
            status=LedgerStatus.DONE, file=stored, size=len(pdf), pages=pages, figures=gathered.figures(),
            finished_at=timezone.now(), message="")
    except Exception as exc:
        log.exception("ledger %s: failed", ledger_id)
        if stored:
            ledger.file.storage.delete(stored)
        with translation.override(_language(ledger)):
            message = _failure(exc)
        LedgerExport.objects.filter(pk=ledger.pk).update(status=LedgerStatus.FAILED, file="", size=0, pages=0,
                                                         finished_at=timezone.now(), message=message)
    ledger.refresh_from_db()
    return ledger
