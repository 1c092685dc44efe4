"""Daily roll-ups (日汇总): one row per school and past day with the figures the dashboards add up, so a
bureau's table over hundreds of schools and a year reads a few thousand small rows instead of millions.

A row is exact or marked stale: every write that changes a past day's figures (a late inspection, a
hazard found or closed, a schedule or calendar change) marks the rows it touches `stale`, and
`dashboards.rollups.refresh` recomputes stale and missing rows before any figure is read. Today is never
rolled up: its figures are computed live.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager, ScopedModel


class SchoolDay(ScopedModel):
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.CASCADE,
                                     related_name="+")
    day = models.DateField(_("日期"))
    # Inspection tasks whose window ends this day: required checks, those done (at most the required
    # number per task) and the tasks missed — as inspections.due.Plan.rates counts them.
    required = models.PositiveIntegerField(_("应检"), default=0)
    done = models.PositiveIntegerField(_("已检"), default=0)
    missed = models.PositiveIntegerField(_("漏检"), default=0)
    inspections = models.PositiveIntegerField(_("排查记录数"), default=0)
    failed_inspections = models.PositiveIntegerField(_("发现问题的排查"), default=0)
    hazards_found = models.PositiveIntegerField(_("发现隐患"), default=0)
    major_found = models.PositiveIntegerField(_("发现重大隐患"), default=0)
    hazards_closed = models.PositiveIntegerField(_("销号隐患"), default=0)
    close_seconds = models.BigIntegerField(_("销号用时合计（秒）"), default=0)
    closed_late = models.PositiveIntegerField(_("逾期销号"), default=0)
    # The coverage check's findings (盲区) as of the evening of this day; kept for the latest day only.
    coverage_findings = models.PositiveIntegerField(_("盲区"), null=True, blank=True)
    stale = models.BooleanField(_("待重算"), default=False)
    computed_at = models.DateTimeField(_("计算时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("学校日汇总")
        verbose_name_plural = _("学校日汇总")
        ordering = ["organisation", "day"]
        constraints = [models.UniqueConstraint(fields=["organisation", "day"], name="school_day_unique")]
        indexes = [models.Index(fields=["day", "organisation"], name="school_day_day_org"),
                   models.Index(fields=["stale"], name="school_day_stale", condition=models.Q(stale=True))]
