"""Navigation: what the signed-in user's roles may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from orgs.roles import Capability


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    items = [(_("首页"), reverse("home"), "home")]
    items.append((_("组织"), reverse("orgs:organisation_list"), "organisations"))
    if user.has_capability(Capability.MANAGE_USERS):
        items.append((_("账户"), reverse("orgs:user_list"), "users"))
    if user.has_capability(Capability.VIEW_AUDIT):
        items.append((_("操作日志"), reverse("audit_list"), "audit"))
    items.append((_("接口文档"), "/api/v1/docs", "api"))
    membership = user.primary_membership()
    return {"nav_items": items, "primary_membership": membership}
