from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonCategory(models.TextChoices):
    STAFF = "staff", _("在编")
    CONTRACT = "contract", _("聘用")
    TEMPORARY = "temporary", _("临时用工")
    TRANSIENT = "transient", _("流动人口")
    STUDENT = "student", _("学生")
    STUDENT_CONTINUING = "student_continuing", _("继续教育学生")
    STUDENT_INTERNATIONAL = "student_international", _("留学生")
    STUDENT_SHORT_TERM = "student_short_term", _("短期培训学员")


# Staff who must carry a safety responsibility (没有无安全责任的人, 方案11/14).
RESPONSIBLE_CATEGORIES = {PersonCategory.STAFF, PersonCategory.CONTRACT}


class PersonStatus(models.TextChoices):
    ACTIVE = "active", _("在职")
    LEFT = "left", _("离职")
    GRADUATED = "graduated", _("毕业")
