from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgKind(models.TextChoices):
    BUREAU = "bureau", _("教育局")
    CENTRAL_SCHOOL = "central_school", _("中心校")
    DIRECT_SCHOOL = "direct_school", _("市直学校")
    SCHOOL = "school", _("学校")
    KINDERGARTEN = "kindergarten", _("幼儿园")
    DIVISION = "division", _("学部/年级组")


# Which kinds may sit directly under which (纵向网格, 方案5). Divisions nest to any depth.
ALLOWED_PARENT_KINDS = {
    OrgKind.BUREAU: {None, OrgKind.BUREAU},
    OrgKind.CENTRAL_SCHOOL: {OrgKind.BUREAU},
    OrgKind.DIRECT_SCHOOL: {OrgKind.BUREAU},
    OrgKind.SCHOOL: {OrgKind.BUREAU, OrgKind.CENTRAL_SCHOOL},
    OrgKind.KINDERGARTEN: {OrgKind.BUREAU, OrgKind.CENTRAL_SCHOOL, OrgKind.DIRECT_SCHOOL},
    OrgKind.DIVISION: {
        OrgKind.CENTRAL_SCHOOL, OrgKind.DIRECT_SCHOOL, OrgKind.SCHOOL, OrgKind.KINDERGARTEN,
        OrgKind.DIVISION,
    },
}

SCHOOL_KINDS = {OrgKind.CENTRAL_SCHOOL, OrgKind.DIRECT_SCHOOL, OrgKind.SCHOOL, OrgKind.KINDERGARTEN}


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"
