from django.db import models
from django.utils.translation import gettext_lazy as _


class State(models.TextChoices):
    REPORTED = "reported", _("待处理")
    RECTIFYING = "rectifying", _("整改中")
    AWAITING_VERIFICATION = "awaiting", _("待验收")
    CLOSED = "closed", _("已销号")


class Grade(models.TextChoices):
    GENERAL = "general", _("一般")
    MAJOR = "major", _("重大")


class RiskColour(models.TextChoices):
    RED = "red", _("红")
    ORANGE = "orange", _("橙")
    YELLOW = "yellow", _("黄")
    BLUE = "blue", _("蓝")


class Topic(models.TextChoices):
    FIRE = "fire", _("消防")
    ELECTRICITY = "electricity", _("用电")
    BUILDINGS = "buildings", _("校舍")
    FOOD = "food", _("食品")
    SURROUNDINGS = "surroundings", _("周边")
    TRAFFIC = "traffic", _("交通")
    DISASTERS = "disasters", _("自然灾害")
    ACTIVITIES = "activities", _("集体活动")
    CHEMICALS = "chemicals", _("危化品")
    OTHER = "other", _("其他")


class Source(models.TextChoices):
    PATROL = "patrol", _("日常巡查")
    INSPECTION = "inspection", _("排查项")
    UPPER_CHECK = "upper_check", _("上级检查")
    PUBLIC = "public", _("随手拍")
    OTHER = "other", _("其他")


class Level(models.TextChoices):
    """Who holds the hazard now: a grid (and up the grid tree), the school, the bureau, the government."""

    GRID = "grid", _("网格")
    SCHOOL = "school", _("学校安全办")
    BUREAU = "bureau", _("教育局")
    GOVERNMENT = "government", _("当地政府")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("整改前")
    AFTER = "after", _("整改后")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("待初审")
    ACCEPTED = "accepted", _("已受理")
    DISMISSED = "dismissed", _("不予受理")


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    DUE_TODAY = "due_today", _("今日到期")
    OVERDUE = "overdue", _("已逾期")


# The checklist topics of inspections, in the hazard register's topics.
FROM_CHECKLIST_TOPIC = {
    "fire": Topic.FIRE, "electricity": Topic.ELECTRICITY, "buildings": Topic.BUILDINGS, "canteen": Topic.FOOD,
    "dormitory": Topic.FIRE, "laboratory": Topic.CHEMICALS, "gate": Topic.OTHER, "surroundings": Topic.SURROUNDINGS,
    "disasters": Topic.DISASTERS, "activities": Topic.ACTIVITIES, "other": Topic.OTHER,
}
