from django import forms
from django.utils.translation import gettext_lazy as _

from grids.models import Grid

from .choices import Grade, Source, State, Topic


def _choices(choices):
    return [("", _("全部"))] + list(choices)


class HazardFilterForm(forms.Form):
    """Filters of the register; each is served by an index on Hazard."""

    state = forms.ChoiceField(label=_("状态"), choices=_choices(State.choices), required=False)
    grade = forms.ChoiceField(label=_("等级"), choices=_choices(Grade.choices), required=False)
    topic = forms.ChoiceField(label=_("类别"), choices=_choices(Topic.choices), required=False)
    source = forms.ChoiceField(label=_("来源"), choices=_choices(Source.choices), required=False)
    grid = forms.ModelChoiceField(label=_("责任网格"), queryset=Grid.objects.none(), required=False)
    overdue = forms.BooleanField(label=_("仅逾期"), required=False)

    def __init__(self, grids, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["grid"].queryset = grids

    def filter(self, hazards):
        data = self.cleaned_data
        for name in ("state", "grade", "topic", "source", "grid"):
            if data.get(name):
                hazards = hazards.filter(**{name: data[name]})
        if data.get("overdue"):
            hazards = hazards.filter(is_overdue=True)
        return hazards
