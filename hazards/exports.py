"""The register as a workbook (隐患台账): one row per hazard with its five fixes and how it was closed."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor
from core.exports import workbook_response


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def headers() -> list[str]:
    return [_("编号"), _("学校"), _("发现时间"), _("场所"), _("责任网格"), _("隐患描述"), _("类别"), _("等级"),
            _("风险颜色"), _("来源"), _("发现人"), _("状态"), _("处理层级"), _("整改措施"), _("整改责任人"),
            _("整改资金"), _("整改期限"), _("应急预案"), _("整改情况"), _("整改完成时间"), _("验收时间"),
            _("已逾期"), _("隔夜未处理"), _("报送政府文号")]


def row(h) -> list:
    """One hazard; needs organisation, place (with three parents), grid, found_by, responsible selected."""
    yes, no = _("是"), _("否")
    return [h.pk, h.organisation.name, _local(h.found_at), h.place.full_name if h.place else "",
            h.grid.name if h.grid else "", h.description, h.get_topic_display(), h.get_grade_display(),
            h.get_risk_colour_display() if h.risk_colour else "", h.get_source_display(),
            h.found_by.name if h.found_by else "", h.get_state_display(), h.get_level_display(), h.measures,
            h.responsible.name if h.responsible else "", h.funds, h.deadline.isoformat() if h.deadline else "",
            h.contingency_plan, h.fix_note, _local(h.fixed_at), _local(h.verified_at), yes if h.is_overdue else no,
            yes if h.left_overnight else no, h.government_reference]


def register_workbook_response(actor: Actor, hazards, *, organisation=None):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    rows = (row(h) for h in hazards.iterator(chunk_size=2000))
    return workbook_response(actor, f"hazards-{stamp}.xlsx", _("隐患台账"), headers(), rows,
                             object_type="hazards.hazard", organisation=organisation, description="hazard register")
