"""Filter form for the audit log. Every filter here has an index on AuditEvent."""

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orgs.models import Organisation
from orgs.roles import Capability

from . import access
from .models import AuditAction
from .tenancy import subtree_q


class AuditFilterForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("组织"), queryset=Organisation.objects.none(), required=False)
    action = forms.ChoiceField(label=_("操作"), required=False)
    actor = forms.CharField(label=_("操作人"), required=False, max_length=150)
    object_type = forms.CharField(label=_("对象类型"), required=False, max_length=100)
    since = forms.DateField(label=_("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=_("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.scoped(user, Organisation, Capability.VIEW_AUDIT)
        self.fields["action"].choices = [("", _("全部"))] + list(AuditAction.choices)

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data.get("organisation"):
            events = events.filter(subtree_q("org_path", data["organisation"].path))
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("actor"):
            events = events.filter(actor_name__icontains=data["actor"])
        if data.get("object_type"):
            events = events.filter(object_type=data["object_type"])
        # Ranges on `at` (local midnights), not at__date, so the index serves them.
        if data.get("since"):
            events = events.filter(at__gte=local_midnight(data["since"]))
        if data.get("until"):
            events = events.filter(at__lt=local_midnight(data["until"] + datetime.timedelta(days=1)))
        return events


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
