"""Navigation: what the signed-in user's roles may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orgs.roles import Capability


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [(_("首页"), reverse("home"), "home")]
    items.append((_("今日巡查"), reverse("inspections:today"), "patrol"))
    items.append((_("我的隐患"), reverse("hazards:hazard_mine"), "my_hazards"))
    if user.has_capability(Capability.VIEW_INSPECTIONS):
        items.append((_("排查记录"), reverse("inspection_records:inspection_list"), "inspection_records"))
        items.append((_("隐患台账"), reverse("hazards:hazard_list"), "hazards"))
        items.append((_("隐患统计"), reverse("hazard_stats:statistics"), "hazard_stats"))
        items.append((_("整改通知书"), reverse("hazard_notice:notice_list"), "hazard_notices"))
    if user.has_capability(Capability.MANAGE_HAZARDS):
        items.append((_("随手拍初审"), reverse("hazard_public:review_list"), "public_reports"))
        items.append((_("安全台账"), reverse("ledgers:ledger_list"), "ledgers"))  # ledgers.choices.CAPABILITY
    if user.has_capability(Capability.MANAGE_INSPECTIONS):
        items.append((_("排查设置"), reverse("inspection_setup:checklist_list"), "inspection_setup"))
    items.append((_("网格"), reverse("grids:grid_list"), "grids"))
    items.append((_("盲区检查"), reverse("grids:coverage"), "coverage"))
    items.append((_("责任图"), reverse("gridmap:map"), "map"))
    items.append((_("安全责任状"), reverse("letters:letter_list"), "letters"))
    if user.has_capability(Capability.MANAGE_GRID):
        items.append((_("清单导入"), reverse("roster:import"), "roster"))
    items.append((_("场所"), reverse("campus:place_list"), "places"))
    items.append((_("人员"), reverse("people:person_list"), "people"))
    items.append((_("组织"), reverse("orgs:organisation_list"), "organisations"))
    if user.has_capability(Capability.MANAGE_USERS):
        items.append((_("账户"), reverse("orgs:user_list"), "users"))
    if user.has_capability(Capability.VIEW_AUDIT):
        items.append((_("操作日志"), reverse("audit_list"), "audit"))
    items.append((_("接口文档"), "/api/v1/docs", "api"))
    membership = user.primary_membership()
    return {"nav_items": items, "primary_membership": membership}
