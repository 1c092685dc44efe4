"""Excel exports. Every export is itself an audit event."""

from __future__ import annotations

import io

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import Actor, AuditAction, record

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def write_workbook(sheets) -> tuple[bytes, list[int]]:
    """Sheets of (title, headers, rows[, preamble rows above the headers]) in constant memory: the file's
    bytes and the number of data rows of each sheet."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"constant_memory": True, "in_memory": True})
    bold = workbook.add_format({"bold": True})
    counts = []
    for title, headers, rows, *rest in sheets:
        worksheet = workbook.add_worksheet(str(title)[:31])
        preamble = rest[0] if rest else []
        for line, values in enumerate(preamble):
            worksheet.write_row(line, 0, values, bold if line == 0 else None)
        first = len(preamble) + (1 if preamble else 0)
        worksheet.write_row(first, 0, headers, bold)
        count = 0
        for count, row in enumerate(rows, start=1):
            worksheet.write_row(first + count, 0, row)
        counts.append(count)
    workbook.close()
    return buffer.getvalue(), counts


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def workbook_response(actor: Actor, filename: str, sheet: str, headers: list[str], rows, *,
                      object_type: str, organisation=None, description: str = "") -> HttpResponse:
    """Write rows to one sheet (constant memory) and return it as a download, recording the export."""
    content, (count,) = write_workbook([(sheet, headers, rows)])
    if organisation is None and actor.user is not None:
        organisation = actor.user.audit_organisation()
    record(actor, AuditAction.EXPORT, organisation=organisation, object_type=object_type,
           object_repr=description or filename, changes={"rows": [None, count]})
    return xlsx_response(content, filename)


def audit_workbook_response(actor: Actor, events) -> HttpResponse:
    headers = [_("时间"), _("操作人"), _("组织"), _("操作"), _("对象类型"), _("对象编号"), _("对象"),
               _("变更内容"), _("客户端IP"), _("请求编号")]
    tz = timezone.get_current_timezone()

    def rows():
        for e in events.iterator(chunk_size=2000):
            yield [
                timezone.localtime(e.at, tz).strftime("%Y-%m-%d %H:%M:%S"), e.actor_label,
                e.organisation.name if e.organisation else "", e.get_action_display(), e.object_type,
                e.object_id, e.object_repr,
                "; ".join(f"{k}: {v[0]} → {v[1]}" for k, v in e.changes.items()) if e.changes else "",
                e.ip or "", e.request_id,
            ]

    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return workbook_response(actor, f"audit-{stamp}.xlsx", _("操作日志"), headers, rows(),
                             object_type="core.auditevent", description="audit log")
