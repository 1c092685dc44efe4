"""The school's safety ledger (安全台账, 方案15: 排查、巡查、整改记录按年度归档): one school's inspection,
patrol and rectification records of a year (or a quarter, or a month) printed as one PDF, drawn up in the
background. What the document holds, and why, is in `ledgers.content`; how it is made in `ledgers.jobs`.
"""

from __future__ import annotations

import datetime
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.tenancy import ScopedManager, ScopedModel

from .choices import QUARTER_LABELS, LedgerStatus, PeriodKind

# A ledger queued or running this long was abandoned (its worker stopped): the same period may be asked again.
STALE_AFTER = datetime.timedelta(minutes=30)
RUNNING = (LedgerStatus.QUEUED, LedgerStatus.RUNNING)


def period_bounds(kind: str, year: int, part: int | None) -> tuple[datetime.date, datetime.date]:
    """First and last day of a year, of its quarter `part` (1–4) or of its month `part` (1–12)."""
    if kind == PeriodKind.YEAR:
        return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    first_month, months = (3 * part - 2, 3) if kind == PeriodKind.QUARTER else (part, 1)
    start = datetime.date(year, first_month, 1)
    after = first_month + months
    end = datetime.date(year + (after > 12), (after - 1) % 12 + 1, 1) - datetime.timedelta(days=1)
    return start, end


def period_label(kind: str, year: int, part: int | None) -> str:
    """2026年度 / 2026年第三季度 / 2026年10月"""
    if kind == PeriodKind.QUARTER:
        return gettext("%(year)d年%(quarter)s") % {"year": year, "quarter": QUARTER_LABELS[part]}
    if kind == PeriodKind.MONTH:
        return gettext("%(year)d年%(month)d月") % {"year": year, "month": part}
    return gettext("%(year)d年度") % {"year": year}


def ledger_path(instance, filename: str) -> str:
    """Stored under a random name, per school and year; served only through the scoped download view."""
    return f"ledgers/{instance.organisation_id}/{instance.year}/{secrets.token_hex(12)}.pdf"


class LedgerExport(Audited, ScopedModel):
    """One request for a school's safety ledger (安全台账) of a period, and the PDF it produced.

    Queued when asked for, running while a worker draws it up, then done (with its file, size and page
    count) or failed (with the reason, in Chinese). Requesting and downloading are audit events.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"),
                                     on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("期间类型"), max_length=10, choices=PeriodKind.choices,
                            default=PeriodKind.YEAR)
    year = models.PositiveSmallIntegerField(_("年度"))
    part = models.PositiveSmallIntegerField(_("季度或月份"), null=True, blank=True)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("截止日期"))
    status = models.CharField(_("状态"), max_length=10, choices=LedgerStatus.choices,
                              default=LedgerStatus.QUEUED)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("申请人"), null=True,
                                     blank=True, on_delete=models.SET_NULL, related_name="+")
    # Copied: the cover page and the list still name the requester after the account is removed.
    requested_by_name = models.CharField(_("申请人姓名"), max_length=150, blank=True)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=ledger_path, max_length=200, blank=True)
    size = models.PositiveIntegerField(_("文件大小"), default=0)
    pages = models.PositiveIntegerField(_("页数"), default=0)
    figures = models.JSONField(_("主要数字"), default=dict, blank=True)
    message = models.TextField(_("说明"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("安全台账")
        verbose_name_plural = _("安全台账")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "requested_at"], name="ledger_org_requested")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PeriodKind.YEAR, part__isnull=True)
                | Q(kind=PeriodKind.QUARTER, part__gte=1, part__lte=4)
                | Q(kind=PeriodKind.MONTH, part__gte=1, part__lte=12),
                name="ledger_period_valid"),
        ]

    def __str__(self):
        return self.title

    @property
    def period_label(self) -> str:
        return period_label(self.kind, self.year, self.part)

    @property
    def title(self) -> str:
        """测试实验小学2026年度安全台账"""
        return gettext("%(school)s%(period)s安全台账") % {"school": self.organisation.name, "period": self.period_label}

    @property
    def filename(self) -> str:
        return f"{self.title}.pdf"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    def is_stale(self, now: datetime.datetime | None = None) -> bool:
        """Queued or running for longer than any ledger takes: its worker is gone."""
        return self.is_running and (now or timezone.now()) - (self.started_at or self.requested_at) > STALE_AFTER
