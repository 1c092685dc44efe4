"""Roster imports from the web: upload → check (background) → confirm → apply (background).

A large roster never holds a request: both steps run as tasks, and the page polls the
RosterImport row. The apply step recomputes the differences from the stored file and refuses to
go on if they are not the ones the user confirmed (the school or the file changed meanwhile).
"""

from __future__ import annotations

import logging
import time

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor

from . import apply as roster_apply
from .models import RosterImport, RosterImportStatus

log = logging.getLogger(__name__)


def start(organisation, user, filename: str, content: bytes, today=None) -> RosterImport:
    from grids.tasks import check_roster_import

    job = RosterImport.objects.create(organisation=organisation, created_by=user, filename=filename[:200],
                                      content=content, import_date=today or timezone.localdate())
    check_roster_import.enqueue(job.pk)
    return job


def _save(job: RosterImport, **values) -> None:
    for name, value in values.items():
        setattr(job, name, value)
    RosterImport.objects.filter(pk=job.pk).update(**values)


def check(import_id: int) -> None:
    job = RosterImport.objects.select_related("organisation", "created_by").get(pk=import_id)
    _save(job, status=RosterImportStatus.CHECKING)
    try:
        plan = roster_apply.prepare(bytes(job.content), job.organisation, job.import_date, Actor(user=job.created_by))
    except Exception as exc:
        log.exception("roster import %s: check failed", import_id)
        _save(job, status=RosterImportStatus.FAILED, content=b"", finished_at=timezone.now(),
              message=_("校验时出错，未做任何修改：%(error)s") % {"error": exc})
        return
    if plan.errors:
        _save(job, status=RosterImportStatus.INVALID, errors=[e.as_list() for e in plan.errors], content=b"",
              finished_at=timezone.now())
        return
    if not plan.has_changes(prune=True):  # the school already is as the workbook says
        _save(job, status=RosterImportStatus.DONE, changes=plan.rows(), counts={}, content=b"",
              finished_at=timezone.now())
        return
    _save(job, status=RosterImportStatus.READY, changes=plan.rows(), counts=plan.counts(),
          fingerprint=plan.fingerprint(), progress_total=len(plan.steps(prune=True)))


def confirm(job: RosterImport, actor: Actor, *, prune: bool) -> bool:
    """Queue the apply step; False when the import is no longer waiting for confirmation."""
    from grids.tasks import apply_roster_import

    # A conditional update: two clicks (or two people) cannot apply it twice.
    claimed = RosterImport.objects.filter(pk=job.pk, status=RosterImportStatus.READY).update(
        status=RosterImportStatus.APPLYING, prune=prune, confirmed_by=actor.user, confirmed_ip=actor.ip,
        request_id=actor.request_id[:64], progress_done=0, message="")
    if not claimed:
        return False
    apply_roster_import.enqueue(job.pk)
    return True


class Progress:
    """Writes how far the apply step is, at most twice a second, where the status page can read it.

    The apply step is one long transaction, so an UPDATE of the row through it would only show at
    its end: on PostgreSQL a second connection writes the row outside that transaction. SQLite has
    one writer at a time, so there the page shows the import as running until it is done.
    """

    def __init__(self, job: RosterImport, interval: float = 0.5):
        self.job = job
        self.interval = interval
        self.last = 0.0
        self.side = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done < total and now - self.last < self.interval:
            return
        self.last = now
        if not connection.in_atomic_block:
            RosterImport.objects.filter(pk=self.job.pk).update(progress_done=done, progress_total=total)
        elif connection.vendor == "postgresql":
            if self.side is None:
                self.side = connections.create_connection(DEFAULT_DB_ALIAS)
            table = connection.ops.quote_name(RosterImport._meta.db_table)
            with self.side.cursor() as cursor:
                cursor.execute(f"UPDATE {table} SET progress_done = %s, progress_total = %s WHERE id = %s",
                               [done, total, self.job.pk])

    def close(self) -> None:
        if self.side is not None:
            self.side.close()
            self.side = None


def apply(import_id: int) -> None:
    job = RosterImport.objects.select_related("organisation", "confirmed_by").get(pk=import_id)
    actor = Actor(user=job.confirmed_by, ip=job.confirmed_ip, request_id=job.request_id)
    progress = Progress(job)
    try:
        plan = roster_apply.prepare(bytes(job.content), job.organisation, job.import_date, actor)
        if plan.errors:
            _save(job, status=RosterImportStatus.INVALID, errors=[e.as_list() for e in plan.errors], content=b"",
                  finished_at=timezone.now())
            return
        if plan.fingerprint() != job.fingerprint:
            _save(job, status=RosterImportStatus.READY, changes=plan.rows(), counts=plan.counts(),
                  fingerprint=plan.fingerprint(), progress_total=len(plan.steps(prune=True)),
                  message=_("预览之后学校的数据有了变化，差异已重新计算：请核对后再次确认。"))
            return
        _save(job, progress_done=0, progress_total=len(plan.steps(job.prune)))
        counts = roster_apply.apply_plan(plan, prune=job.prune, progress=progress,
                                         description=_("网格责任清单导入：%(file)s") % {"file": job.filename})
    except roster_apply.ApplyError as exc:
        _save(job, status=RosterImportStatus.FAILED, content=b"", finished_at=timezone.now(),
              message=_("导入未完成，数据未修改：%(error)s") % {"error": exc})
        return
    except Exception as exc:
        log.exception("roster import %s: apply failed", import_id)
        _save(job, status=RosterImportStatus.FAILED, content=b"", finished_at=timezone.now(),
              message=_("导入未完成，数据未修改：%(error)s") % {"error": exc})
        return
    finally:
        progress.close()
    _save(job, status=RosterImportStatus.DONE, counts=counts, content=b"", finished_at=timezone.now(),
          progress_done=job.progress_total)
