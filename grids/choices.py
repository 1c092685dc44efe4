from django.db import models
from django.utils.translation import gettext_lazy as _


class GridKind(models.TextChoices):
    LEADERSHIP = "leadership", _("领导网格")
    DEPARTMENT = "department", _("部室网格")
    CLASS = "class", _("班级网格")
    BUILDING = "building", _("楼宇网格")
    FLOOR = "floor", _("楼层网格")
    OUTDOOR = "outdoor", _("室外网格")
    TIME_AXIS = "time_axis", _("时间轴网格")
    CUSTOM = "custom", _("自定义网格")


class AssignmentRole(models.TextChoices):
    FIRST = "first", _("第一责任人")
    DIRECT = "direct", _("直接责任人")
    SPECIFIC = "specific", _("具体责任人/网格员")
    SAFETY_OFFICER = "safety_officer", _("安全员")
    BUILDING_HEAD = "building_head", _("楼长")
    GRID_HEAD = "grid_head", _("网格长")
    POINT_HEAD = "point_head", _("网点长")
    HEAD_TEACHER = "head_teacher", _("班主任")
    MONITOR = "monitor", _("班长")


# A student monitor helps but does not make a grid covered: someone on the staff must answer for it.
COVERING_ROLES = {r for r in AssignmentRole if r != AssignmentRole.MONITOR}

LEVEL_LABELS = {1: _("一级"), 2: _("二级"), 3: _("三级"), 4: _("四级")}

# How people write weekdays in workbooks (一至五, 六、日); WEEKDAY_NAMES is what pages show.
WEEKDAY_LABELS = ["一", "二", "三", "四", "五", "六", "日"]
WEEKDAY_NAMES = [_("周一"), _("周二"), _("周三"), _("周四"), _("周五"), _("周六"), _("周日")]
LIST_SEPARATOR = _("、")


class LetterTemplate(models.TextChoices):
    """Responsibility letters are signed level by level (方案9)."""

    LEADER_DEPUTY = "leader_deputy", _("校长与分管副校长")
    DEPUTY_MIDDLE = "deputy_middle", _("分管副校长与中层干部")
    MIDDLE_STAFF = "middle_staff", _("中层干部与班主任、教职工")
    SAFETY_SERVICE = "safety_service", _("安全负责人与保安、食堂从业人员")
    TEACHER_STUDENT = "teacher_student", _("班主任与学生")
