"""The safety ledger pages (安全台账): ask for a school's ledger of a period, watch it being drawn up, download it.

Who: the school's leaders and safety office, and bureau staff for the schools below them — the roles that
answer for the hazard register (MANAGE_HAZARDS; see `ledgers.choices.CAPABILITY`). Every ledger comes through
`core.access`: another school's is a 404, a grid member is refused (403). Asking and downloading are audited.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core import access
from core.audit import Actor, AuditAction, record
from core.paging import page_context
from core.pdf import PDF
from orgs.choices import SCHOOL_KINDS
from orgs.models import Organisation

from .actions import request_ledger
from .choices import CAPABILITY, LedgerStatus
from .forms import LedgerRequestForm
from .models import LedgerExport

NAV = "ledgers"
PER_PAGE = 20


def _schools(user) -> list:
    """The schools the user may ask a ledger for, in tree order."""
    return list(access.scoped(user, Organisation, CAPABILITY).filter(kind__in=SCHOOL_KINDS).order_by("path"))


def _ledger(user, pk) -> LedgerExport:
    return access.get_for_user(user, LedgerExport.objects.select_related("organisation"), CAPABILITY, pk=pk)


@login_required
def ledger_list(request):
    """The request form and the ledgers in sight, newest first; polled while any on the page is in progress."""
    access.require_capability(request.user, CAPABILITY)
    schools = _schools(request.user)
    form = LedgerRequestForm(schools, timezone.localdate(), request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ledger, queued = request_ledger(Actor.from_request(request), data["school"], data["kind"], data["year"],
                                        data["part"])
        if queued:
            messages.success(request, _("已开始生成%(title)s，完成后可在此下载。") % {"title": ledger.title})
        else:
            messages.info(request, _("%(title)s正在生成中，请稍候。") % {"title": ledger.title})
        return redirect("ledgers:ledger_detail", ledger.pk)
    ledgers = (access.scoped(request.user, LedgerExport, CAPABILITY).select_related("organisation")
               .defer("figures"))
    context = page_context(request, ledgers, per_page=PER_PAGE)
    context.update(form=form, nav_active=NAV, several=len(schools) > 1,
                   running=any(ledger.is_running for ledger in context["page"]))
    template = "ledgers/ledger_list.html#ledgers" if request.htmx else "ledgers/ledger_list.html"
    return render(request, template, context, status=422 if form.is_bound and form.errors else 200)


@login_required
@require_GET
def ledger_detail(request, pk: int):
    ledger = _ledger(request.user, pk)
    template = "ledgers/ledger_detail.html#status" if request.htmx else "ledgers/ledger_detail.html"
    return render(request, template, {"ledger": ledger, "nav_active": NAV, "statuses": LedgerStatus,
                                      "stale": ledger.is_stale()})


@login_required
@require_GET
def ledger_download(request, pk: int):
    """The PDF, shown in the browser; every download is an export in the audit log."""
    ledger = _ledger(request.user, pk)
    if ledger.status != LedgerStatus.DONE or not ledger.file:
        messages.info(request, _("该台账尚未生成完成。"))
        return redirect("ledgers:ledger_detail", ledger.pk)
    try:
        handle = ledger.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404 from exc
    record(Actor.from_request(request), AuditAction.EXPORT, ledger, changes={"pages": [None, ledger.pages]})
    response = FileResponse(handle, content_type=PDF, filename=ledger.filename)
    response["Cache-Control"] = "private, no-store"
    return response
