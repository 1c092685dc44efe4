from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelForm
from orgs.roles import Capability

from .choices import PersonCategory, PersonStatus
from .models import Person, Post, PostHolding, SchoolClass

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PersonForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID

    class Meta:
        model = Person
        fields = ["organisation", "name", "staff_no", "category", "department", "title", "phone", "status", "left_on",
                  "user"]
        widgets = {"left_on": DATE}


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名、工号或部门"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False, choices=[("", _("全部"))] + PersonCategory.choices)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部"))] + PersonStatus.choices)


class PostForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID

    class Meta:
        model = Post
        fields = ["organisation", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class PostHoldingForm(ScopedModelForm):
    class Meta:
        model = PostHolding
        fields = ["person", "start", "end"]
        widgets = {"start": DATE, "end": DATE}


class SchoolClassForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID

    class Meta:
        model = SchoolClass
        fields = ["organisation", "grade", "name", "classroom"]


class EndDateForm(forms.Form):
    end = forms.DateField(label=_("结束日期"), widget=DATE)
