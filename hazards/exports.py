"""The register as a workbook (隐患台账): one row per hazard with its five fixes and how it was closed.

Rows are read as plain values (no model instances: at 100,000 rows building objects costs more than
writing the file) and written in XlsxWriter's constant-memory mode; see bench/documents.py.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor
from core.exports import workbook_response

from .choices import Grade, Level, RiskColour, Source, State, Topic

PLACE = "place__name", "place__parent__name", "place__parent__parent__name", "place__parent__parent__parent__name"
FIELDS = ("pk", "organisation__name", "found_at", *PLACE, "grid__name", "description", "topic", "grade", "risk_colour",
          "source", "found_by__name", "state", "level", "measures", "responsible__name", "funds", "deadline",
          "contingency_plan", "fix_note", "fixed_at", "verified_at", "is_overdue", "left_overnight",
          "government_reference")


def headers() -> list[str]:
    return [_("编号"), _("学校"), _("发现时间"), _("场所"), _("责任网格"), _("隐患描述"), _("类别"), _("等级"),
            _("风险颜色"), _("来源"), _("发现人"), _("状态"), _("处理层级"), _("整改措施"), _("整改责任人"),
            _("整改资金"), _("整改期限"), _("应急预案"), _("整改情况"), _("整改完成时间"), _("验收时间"),
            _("已逾期"), _("隔夜未处理"), _("报送政府文号")]


def rows(hazards):
    """The register's rows of a Hazard queryset, streamed."""
    labels = {name: {k: str(v) for k, v in choices.choices}
              for name, choices in (("topic", Topic), ("grade", Grade), ("risk_colour", RiskColour),
                                    ("source", Source), ("state", State), ("level", Level))}
    yes, no = _("是"), _("否")
    zone = timezone.get_current_timezone()

    def local(moment) -> str:
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else ""

    for (pk, school, found_at, place, parent, grandparent, area, grid, description, topic, grade, colour, source,
         found_by, state, level, measures, responsible, funds, deadline, contingency, fix_note, fixed_at,
         verified_at, overdue, overnight, reference) in hazards.values_list(*FIELDS).iterator(chunk_size=5000):
        yield [pk, school, local(found_at), "/".join(n for n in (area, grandparent, parent, place) if n), grid or "",
               description, labels["topic"].get(topic, topic), labels["grade"].get(grade, grade),
               labels["risk_colour"].get(colour, ""), labels["source"].get(source, source), found_by or "",
               labels["state"].get(state, state), labels["level"].get(level, level), measures, responsible or "",
               funds, deadline.isoformat() if deadline else "", contingency, fix_note, local(fixed_at),
               local(verified_at), yes if overdue else no, yes if overnight else no, reference]


def register_workbook_response(actor: Actor, hazards, *, organisation=None):
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return workbook_response(actor, f"hazards-{stamp}.xlsx", _("隐患台账"), headers(), rows(hazards),
                             object_type="hazards.hazard", organisation=organisation, description="hazard register")
