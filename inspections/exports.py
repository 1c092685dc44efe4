"""Excel exports of inspection records and completion rates. Every export is an audit event."""

from __future__ import annotations

import datetime

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import Actor, AuditAction, record
from core.exports import workbook_response, write_workbook, xlsx_response

# A phone's time this far before the server received the record means it was sent later (离线补传).
OFFLINE_AFTER = datetime.timedelta(minutes=10)


def is_offline(inspection) -> bool:
    return inspection.device_time is not None and inspection.received_at - inspection.device_time > OFFLINE_AFTER


def target_label(obj) -> str:
    """Where an inspection or finding was: the place's full name, else the grid."""
    if obj.place_id is not None and obj.place is not None:
        return obj.place.full_name
    return obj.grid.name if obj.grid_id is not None and obj.grid is not None else ""


def result_label(inspection) -> str:
    if inspection.failed_count == 0:
        return _("零报告")
    label = _("%(n)d项不合格") % {"n": inspection.failed_count}
    if inspection.major_count:
        label += _("（重大%(n)d项）") % {"n": inspection.major_count}
    return label


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def _stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d-%H%M")


def _inspection_row(i) -> list:
    return [
        i.on_date.isoformat(), i.organisation.name, i.version.checklist.name, i.version.number,
        i.schedule.name if i.schedule_id and i.schedule else "", i.grid.name if i.grid_id and i.grid else "",
        i.place.full_name if i.place_id and i.place else "", i.inspector.name if i.inspector_id and i.inspector else "",
        result_label(i), i.failed_count, i.major_count, _("是") if i.check_in_id else _("否"),
        _local(i.device_time), _local(i.received_at), _("是") if is_offline(i) else "",
        str(i.submitted_by) if i.submitted_by_id and i.submitted_by else "", i.remark, i.pk,
    ]


def _finding_row(f) -> list:
    return [
        f.on_date.isoformat(), f.organisation.name, f.inspection.version.checklist.name, f.item.position,
        f.item.group, f.item.text, f.answer, f.note, _("是") if f.is_major else "", target_label(f), f.inspection_id,
    ]


def inspections_workbook_response(actor: Actor, inspections, findings, *, organisation=None) -> HttpResponse:
    """One row per inspection, and a second sheet of their failed items (constant memory)."""
    sheets = [
        (_("排查记录"), [_("排查日期"), _("学校"), _("排查表"), _("版本"), _("排查计划"), _("网格"), _("场所"),
                     _("检查人"), _("结果"), _("不合格项数"), _("重大隐患项数"), _("扫码打卡"), _("手机时间"),
                     _("服务器接收时间"), _("离线补传"), _("提交账户"), _("备注"), _("记录编号")],
         (_inspection_row(i) for i in inspections.iterator(chunk_size=2000))),
        (_("不合格项"), [_("发现日期"), _("学校"), _("排查表"), _("序号"), _("分组"), _("检查内容"), _("答案"),
                     _("说明"), _("重大隐患"), _("网格/场所"), _("记录编号")],
         (_finding_row(f) for f in findings.iterator(chunk_size=2000))),
    ]
    content, counts = write_workbook(sheets)
    if organisation is None and actor.user is not None:
        organisation = actor.user.audit_organisation()
    filename = f"inspections-{_stamp()}.xlsx"
    record(actor, AuditAction.EXPORT, organisation=organisation, object_type="inspections.inspection",
           object_repr=filename, changes={"rows": [None, counts[0]], "findings": [None, counts[1]]})
    return xlsx_response(content, filename)


def rates_workbook_response(actor: Actor, rows, *, by_label: str, period: str, organisation=None) -> HttpResponse:
    """Rows carry label, period, required, done, missed and percent (record_views.RateRow)."""
    headers = [by_label, _("期间"), _("应检"), _("已检"), _("漏检"), _("完成率（%）")]
    data = ([r.label, r.period, r.required, r.done, r.missed, r.percent if r.percent is not None else ""]
            for r in rows)
    return workbook_response(actor, f"inspection-rates-{_stamp()}.xlsx", _("排查完成率"), headers, data,
                             object_type="inspections.rate", organisation=organisation,
                             description=f"inspection rates {period}")
