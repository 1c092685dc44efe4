from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelForm
from orgs.roles import Capability
from people.forms import DATE
from people.models import Person, Post

from .choices import WEEKDAY_NAMES
from .models import Assignment, Grid, TimeSlot


class GridForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID

    class Meta:
        model = Grid
        fields = ["organisation", "parent", "name", "kind", "places", "school_class", "time_slots", "duties"]
        widgets = {"duties": forms.Textarea(attrs={"rows": 3}), "places": forms.SelectMultiple(attrs={"size": 8})}


class AssignmentForm(ScopedModelForm):
    class Meta:
        model = Assignment
        fields = ["person", "post", "role", "start", "end"]
        widgets = {"start": DATE, "end": DATE}

    def clean(self):
        data = super().clean()
        if bool(data.get("person")) == bool(data.get("post")):
            raise ValidationError(_("责任人须为一名人员或一个岗位（二者选一）。"))
        return data


class HandoverForm(forms.Form):
    on = forms.DateField(label=_("交接日期"), widget=DATE, help_text=_("原责任人负责到这一天，接任人从次日起负责。"))
    person = forms.ModelChoiceField(label=_("接任人员"), queryset=Person.objects.none(), required=False)
    post = forms.ModelChoiceField(label=_("或接任岗位"), queryset=Post.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = Person.objects.for_user(user).filter(status="active")
        self.fields["post"].queryset = Post.objects.for_user(user)

    def clean(self):
        data = super().clean()
        if bool(data.get("person")) == bool(data.get("post")):
            raise ValidationError(_("请选择一名接任人员或一个岗位。"))
        return data


class EndAssignmentForm(forms.Form):
    end = forms.DateField(label=_("结束日期"), widget=DATE)


class TimeSlotForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID
    weekdays = forms.MultipleChoiceField(
        label=_("星期"), widget=forms.CheckboxSelectMultiple,
        choices=[(str(i + 1), name) for i, name in enumerate(WEEKDAY_NAMES)],
    )

    class Meta:
        model = TimeSlot
        fields = ["organisation", "name", "weekdays", "start_time", "end_time"]
        widgets = {"start_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "end_time": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekdays)

    def clean_weekdays(self):
        return "".join(sorted(self.cleaned_data["weekdays"]))


class CoverageForm(forms.Form):
    start = forms.DateField(label=_("起始日期"), required=False, widget=DATE)
    days = forms.IntegerField(label=_("天数"), required=False, min_value=1, max_value=366, initial=30)
