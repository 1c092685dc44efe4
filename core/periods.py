"""Rows that hold from `start` to `end` (inclusive; an empty end is open): assignments, post holdings.

One definition of "active on a day" for queries and for objects, instead of the same Q written
in every caller.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .tenancy import ScopedQuerySet


def overlapping_q(start: datetime.date, end: datetime.date) -> Q:
    """Active on at least one day of [start, end]."""
    return Q(start__lte=end) & (Q(end__isnull=True) | Q(end__gte=start))


def active_on_q(day: datetime.date) -> Q:
    return overlapping_q(day, day)


def end_after_start() -> Q:
    """The check constraint's condition: no period ends before it starts."""
    return Q(end__isnull=True) | Q(end__gte=models.F("start"))


class PeriodQuerySet(ScopedQuerySet):
    def overlapping(self, start: datetime.date, end: datetime.date):
        return self.filter(overlapping_q(start, end))

    def active_on(self, day: datetime.date):
        return self.filter(active_on_q(day))


class PeriodManager(models.Manager.from_queryset(PeriodQuerySet)):
    pass


class Period:
    """Mixin for models with `start` and `end` date fields."""

    def active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)

    def period_errors(self) -> dict:
        """{"end": message} when the period ends before it starts (for a model's clean), else {}."""
        if self.start and self.end and self.end < self.start:
            return {"end": _("结束日期不能早于开始日期。")}
        return {}
