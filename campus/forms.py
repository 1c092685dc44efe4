from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ScopedModelForm
from orgs.roles import Capability

from .choices import PlaceKind
from .models import Place


class PlaceForm(ScopedModelForm):
    capability = Capability.MANAGE_GRID

    class Meta:
        model = Place
        fields = ["organisation", "parent", "kind", "name", "code", "place_type", "is_key_location",
                  "is_major_hazard", "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


class PlaceFilterForm(forms.Form):
    q = forms.CharField(label=_("名称或编码"), required=False)
    kind = forms.ChoiceField(label=_("层次"), required=False, choices=[("", _("全部"))] + PlaceKind.choices)
    key = forms.BooleanField(label=_("仅重点部位"), required=False)
    hazard = forms.BooleanField(label=_("仅重大危险源"), required=False)
