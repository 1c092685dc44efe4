from django.db import models
from django.utils.translation import gettext_lazy as _

from orgs.roles import Capability

# Who draws up and reads a school's ledger: the roles that answer for its hazard register — school leaders,
# the safety office, and bureau staff for the schools below them. Grid leaders and members read their own
# records elsewhere; a dedicated capability can replace this one in orgs.roles without touching the views.
CAPABILITY = Capability.MANAGE_HAZARDS


class LedgerStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


class PeriodKind(models.TextChoices):
    YEAR = "year", _("全年")
    QUARTER = "quarter", _("季度")
    MONTH = "month", _("月份")


QUARTER_LABELS = {1: _("第一季度"), 2: _("第二季度"), 3: _("第三季度"), 4: _("第四季度")}
