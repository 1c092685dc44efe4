from django.db import models
from django.utils.translation import gettext_lazy as _


class Topic(models.TextChoices):
    FIRE = "fire", _("消防安全")
    ELECTRICITY = "electricity", _("用电安全")
    BUILDINGS = "buildings", _("校舍及设施设备")
    CANTEEN = "canteen", _("食堂及食品卫生")
    DORMITORY = "dormitory", _("宿舍")
    LABORATORY = "laboratory", _("实验室及危化品")
    GATE = "gate", _("门卫及来访")
    SURROUNDINGS = "surroundings", _("周边及交通")
    DISASTERS = "disasters", _("自然灾害")
    ACTIVITIES = "activities", _("集体活动")
    OTHER = "other", _("其他")


class ItemKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("合格/不合格")
    NUMBER = "number", _("数值")
    CHOICE = "choice", _("选项")
    TEXT = "text", _("文字")


class Verdict(models.TextChoices):
    """How a pass/fail item is answered."""

    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")
    NOT_APPLICABLE = "na", _("不适用")
    UNSURE = "unsure", _("不确定")


class Cadence(models.TextChoices):
    DAILY = "daily", _("每天")
    WEEKDAYS = "weekdays", _("每周指定星期")
    MONTHLY_NTH = "monthly_nth", _("每月第N个星期几")
    PER_TERM = "per_term", _("每学期N次")
    AD_HOC = "ad_hoc", _("不定期")


class DayRule(models.TextChoices):
    """Which days of the calendar count for a schedule."""

    SCHOOL_DAYS = "school_days", _("上课日")
    TERM_DAYS = "term_days", _("学期内每天")
    ALL_DAYS = "all_days", _("每天（含假期）")


class HolidayKind(models.TextChoices):
    HOLIDAY = "holiday", _("放假")
    WORKDAY = "workday", _("调休上课")


NTH_LABELS = {1: _("第一个"), 2: _("第二个"), 3: _("第三个"), 4: _("第四个"), 5: _("第五个"), -1: _("最后一个")}
