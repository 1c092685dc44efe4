"""Roles (DOMAIN.md "Who uses it") and what each may do. Ranks order them, highest first."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    BUREAU_ADMIN = "bureau_admin", _("教育局安全科")
    SCHOOL_LEADER = "school_leader", _("学校领导")
    SAFETY_OFFICE = "safety_office", _("安全办")
    DUTY_LEADER = "duty_leader", _("值班领导")
    GRID_LEADER = "grid_leader", _("网格长")
    GRID_MEMBER = "grid_member", _("网格员")


RANK = {
    Role.BUREAU_ADMIN: 60,
    Role.SCHOOL_LEADER: 50,
    Role.SAFETY_OFFICE: 40,
    Role.DUTY_LEADER: 30,
    Role.GRID_LEADER: 20,
    Role.GRID_MEMBER: 10,
}


class Capability(models.TextChoices):
    VIEW_AUDIT = "view_audit", _("查看操作日志")
    EXPORT_AUDIT = "export_audit", _("导出操作日志")
    MANAGE_ORGS = "manage_orgs", _("管理组织")
    MANAGE_USERS = "manage_users", _("管理账户")
    MANAGE_GRID = "manage_grid", _("管理网格、场所与人员")
    VIEW_PHONE = "view_phone", _("查看完整手机号")
    MANAGE_INSPECTIONS = "manage_inspections", _("管理排查表、排查计划与校历")
    VIEW_INSPECTIONS = "view_inspections", _("查看排查记录与完成率")
    MANAGE_HAZARDS = "manage_hazards", _("交办、验收和上报隐患")


CAPABILITIES: dict[str, set[str]] = {
    Capability.VIEW_AUDIT: {Role.BUREAU_ADMIN, Role.SCHOOL_LEADER, Role.SAFETY_OFFICE},
    Capability.EXPORT_AUDIT: {Role.BUREAU_ADMIN, Role.SCHOOL_LEADER, Role.SAFETY_OFFICE},
    Capability.MANAGE_ORGS: {Role.BUREAU_ADMIN, Role.SAFETY_OFFICE},
    Capability.MANAGE_USERS: {Role.BUREAU_ADMIN, Role.SAFETY_OFFICE},
    Capability.MANAGE_GRID: {Role.SCHOOL_LEADER, Role.SAFETY_OFFICE},
    Capability.VIEW_PHONE: {Role.SAFETY_OFFICE},
    Capability.MANAGE_INSPECTIONS: {Role.SCHOOL_LEADER, Role.SAFETY_OFFICE},
    Capability.MANAGE_HAZARDS: {Role.BUREAU_ADMIN, Role.SCHOOL_LEADER, Role.SAFETY_OFFICE},
    Capability.VIEW_INSPECTIONS: {Role.BUREAU_ADMIN, Role.SCHOOL_LEADER, Role.SAFETY_OFFICE, Role.DUTY_LEADER,
                                  Role.GRID_LEADER},
}


def roles_with(capability: str) -> set[str]:
    return CAPABILITIES[capability]


def assignable_roles(user) -> list[tuple[str, str]]:
    """Roles a user may hand out: none ranking above their own highest role."""
    from core.tenancy import memberships_of

    top = max((RANK[m.role] for m in memberships_of(user)), default=0)
    return [(value, label) for value, label in Role.choices if RANK[value] <= top]
