"""Navigation: what the signed-in user's roles may use."""

import functools

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _

from orgs.roles import Capability

# (label, URL name or path, key, the capability it needs or None)
NAV = (
    (_("首页"), "home", "home", None),
    (_("今日巡查"), "inspections:today", "patrol", None),
    (_("我的隐患"), "hazards:hazard_mine", "my_hazards", None),
    (_("排查记录"), "inspection_records:inspection_list", "inspection_records", Capability.VIEW_INSPECTIONS),
    (_("隐患台账"), "hazards:hazard_list", "hazards", Capability.VIEW_INSPECTIONS),
    (_("隐患统计"), "hazard_stats:statistics", "hazard_stats", Capability.VIEW_INSPECTIONS),
    (_("整改通知书"), "hazard_notice:notice_list", "hazard_notices", Capability.VIEW_INSPECTIONS),
    (_("随手拍初审"), "hazard_public:review_list", "public_reports", Capability.MANAGE_HAZARDS),
    (_("安全台账"), "ledgers:ledger_list", "ledgers", Capability.MANAGE_HAZARDS),  # ledgers.choices.CAPABILITY
    (_("排查设置"), "inspection_setup:checklist_list", "inspection_setup", Capability.MANAGE_INSPECTIONS),
    (_("网格"), "grids:grid_list", "grids", None),
    (_("盲区检查"), "grids:coverage", "coverage", None),
    (_("责任图"), "gridmap:map", "map", None),
    (_("安全责任状"), "letters:letter_list", "letters", None),
    (_("清单导入"), "roster:import", "roster", Capability.MANAGE_GRID),
    (_("场所"), "campus:place_list", "places", None),
    (_("人员"), "people:person_list", "people", None),
    (_("组织"), "orgs:organisation_list", "organisations", None),
    (_("账户"), "orgs:user_list", "users", Capability.MANAGE_USERS),
    (_("操作日志"), "audit_list", "audit", Capability.VIEW_AUDIT),
    (_("接口文档"), "/api/v1/docs", "api", None),
)


@functools.lru_cache(maxsize=64)
def nav_items(capabilities: frozenset, script_prefix: str) -> tuple:
    """The menu for a set of capabilities: its links reversed once per process (labels stay lazy, so each
    request shows them in its own language)."""
    return tuple((label, target if target.startswith("/") else reverse(target), key)
                 for label, target, key, needs in NAV if needs is None or needs in capabilities)


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    needed = {needs for *_rest, needs in NAV if needs is not None}
    capabilities = frozenset(c for c in needed if user.has_capability(c))
    return {"nav_items": nav_items(capabilities, get_script_prefix()), "primary_membership": user.primary_membership()}


@receiver(setting_changed)
def _urlconf_changed(setting, **kwargs):
    if setting == "ROOT_URLCONF":
        nav_items.cache_clear()
