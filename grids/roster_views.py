"""The roster workbook pages: upload → differences (or errors) → confirm; export; downloads."""

from __future__ import annotations

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core import access
from core.audit import Actor, AuditAction, record
from core.exports import XLSX
from orgs.choices import OrgKind
from orgs.models import Organisation
from orgs.roles import Capability

from .roster import examples, jobs, writer
from .roster.apply import OBJECT_TYPE
from .roster.models import RosterImport, RosterImportStatus
from .roster.plan import ACTIONS, MODELS
from .roster.reader import MAX_BYTES

SHOWN_CHANGES = 1000


def _schools(user):
    """Where the user may import: organisations they manage the grid of, bureaus aside."""
    return access.scoped(user, Organisation, Capability.MANAGE_GRID).exclude(kind=OrgKind.BUREAU).order_by("path")


def _school(user, pk) -> Organisation:
    """404 outside the user's organisations (and for bureaus), 403 where they may not manage the grid."""
    if not str(pk or "").isdigit():
        raise Http404
    return access.get_for_user(user, Organisation.objects.exclude(kind=OrgKind.BUREAU), Capability.MANAGE_GRID,
                               pk=pk)


def _default_school(user):
    membership = user.primary_membership()
    schools = _schools(user)
    if membership is not None and schools.filter(pk=membership.organisation_id).exists():
        return membership.organisation
    return schools.first()


class UploadForm(forms.Form):
    organisation = forms.TypedChoiceField(label=gettext_lazy("学校"), coerce=int)
    file = forms.FileField(label=gettext_lazy("网格责任清单（.xlsx）"),
                           widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].choices = [(s.pk, s.name) for s in schools]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件。"))
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(_("文件过大（超过%(mb)dMB）。") % {"mb": MAX_BYTES // 1024 // 1024})
        return upload


@login_required
def roster_import(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    schools = list(_schools(request.user))
    if not schools:
        raise Http404
    default = _default_school(request.user)
    if request.method == "POST":
        organisation = _school(request.user, request.POST.get("organisation"))
        form = UploadForm(request.POST, request.FILES, schools=schools)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            job = jobs.start(organisation, request.user, upload.name, upload.read())
            return redirect("roster:import_detail", pk=job.pk)
    else:
        form = UploadForm(schools=schools, initial={"organisation": default.pk if default else None})
    recent = (access.scoped(request.user, RosterImport, Capability.MANAGE_GRID)
              .select_related("organisation", "created_by").defer("content")[:10])
    return render(request, "grids/roster_import.html", {
        "form": form, "schools": schools, "default_school": default, "recent": recent, "nav_active": "grids",
        "template_file": f"roster/{examples.TEMPLATE_NAME}", "example_file": f"roster/{examples.EXAMPLE_NAME}"})


def _change_rows(changes):
    return [(str(ACTIONS.get(action, action)), str(MODELS.get(model, model)), subject, detail, action)
            for action, model, subject, detail in changes[:SHOWN_CHANGES]]


def _count_rows(job):
    if job.status == RosterImportStatus.DONE:
        models, actions = list(MODELS), list(ACTIONS)
        keys = [(key.rpartition("_")[0], key.rpartition("_")[2], n) for key, n in job.counts.items()]
        keys.sort(key=lambda k: (models.index(k[0]) if k[0] in MODELS else 99,
                                 actions.index(k[1]) if k[1] in ACTIONS else 99))
        return [(f"{MODELS.get(m, m)} · {ACTIONS.get(a, a)}", n) for m, a, n in keys]
    return [(str(ACTIONS[a]), job.counts[a]) for a in ACTIONS if job.counts.get(a)]


@login_required
def roster_import_detail(request, pk):
    job = access.get_for_user(request.user, RosterImport.objects.select_related("organisation", "created_by")
                              .defer("content"), Capability.MANAGE_GRID, pk=pk)
    removals = any(action in ("end", "leave") for action, *_rest in job.changes)
    applicable = [c for c in job.changes if c[0] != "keep"]
    context = {
        "job": job, "nav_active": "grids", "errors": job.errors, "changes": _change_rows(job.changes),
        "hidden_changes": max(len(job.changes) - SHOWN_CHANGES, 0), "counts": _count_rows(job),
        "has_removals": removals,
        "only_removals": bool(applicable) and all(c[0] in ("end", "leave") for c in applicable),
        "statuses": RosterImportStatus,
    }
    template = "grids/roster_status.html#status" if request.htmx else "grids/roster_status.html"
    return render(request, template, context)


@login_required
@require_POST
def roster_import_confirm(request, pk):
    job = access.get_for_user(request.user, RosterImport.objects.defer("content"), Capability.MANAGE_GRID, pk=pk)
    if jobs.confirm(job, Actor.from_request(request), prune=request.POST.get("prune") == "1"):
        messages.success(request, _("已开始导入。"))
    else:
        messages.error(request, _("该导入已不在待确认状态。"))
    return redirect("roster:import_detail", pk=job.pk)


@login_required
def roster_export(request):
    access.require_capability(request.user, Capability.MANAGE_GRID)
    pk = request.GET.get("org")
    if not pk:
        default = _default_school(request.user)
        pk = default.pk if default else None
    organisation = _school(request.user, pk)
    today = timezone.localdate()
    masked = not request.user.has_capability(Capability.VIEW_PHONE, organisation)
    sheets = writer.export_sheets(organisation, today, mask_phones=masked)
    content = writer.write_workbook(sheets)
    record(Actor.from_request(request), AuditAction.EXPORT, organisation=organisation, object_type=OBJECT_TYPE,
           object_repr=_("网格责任清单导出 %(org)s") % {"org": organisation.name},
           changes={"rows": [None, writer.count_rows(sheets)], "phones_masked": [None, masked]})
    filename = f"网格责任清单-{organisation.code}-{today:%Y%m%d}.xlsx"
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response
