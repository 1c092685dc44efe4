"""The request form of the ledgers page: which school (for a bureau, or anyone with several) and which period."""

from __future__ import annotations

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .choices import QUARTER_LABELS, PeriodKind
from .models import period_bounds

YEARS_BACK = 9  # ledgers of the ten latest years may be asked for


class LedgerRequestForm(forms.Form):
    organisation = forms.TypedChoiceField(label=_("学校"), coerce=int)
    year = forms.TypedChoiceField(label=_("年度"), coerce=int)
    kind = forms.ChoiceField(label=_("期间"), choices=PeriodKind.choices, initial=PeriodKind.YEAR)
    quarter = forms.TypedChoiceField(label=_("季度"), coerce=int, required=False, empty_value=None,
                                     choices=list(QUARTER_LABELS.items()))
    month = forms.TypedChoiceField(label=_("月份"), coerce=int, required=False, empty_value=None)

    def __init__(self, schools: list, today: datetime.date, *args, **kwargs):
        """`schools`: where the user may ask for a ledger (already scoped by the view)."""
        super().__init__(*args, **kwargs)
        self.schools = {s.pk: s for s in schools}
        self.today = today
        field = self.fields["organisation"]
        field.choices = [(s.pk, s.name) for s in schools]
        if len(schools) == 1:
            field.widget = forms.HiddenInput()
            field.initial = schools[0].pk
        self.fields["year"].choices = [(y, str(y)) for y in range(today.year, today.year - YEARS_BACK - 1, -1)]
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1
        self.fields["month"].choices = [(m, gettext("%(month)d月") % {"month": m}) for m in range(1, 13)]
        self.fields["month"].initial = today.month

    def clean(self):
        data = super().clean()
        kind, year = data.get("kind"), data.get("year")
        if not kind or not year or data.get("organisation") not in self.schools:
            return data
        part = {PeriodKind.QUARTER: data.get("quarter"), PeriodKind.MONTH: data.get("month")}.get(kind)
        if kind != PeriodKind.YEAR and part is None:
            raise ValidationError(_("请选择季度。") if kind == PeriodKind.QUARTER else _("请选择月份。"))
        start, _end = period_bounds(kind, year, part)
        if start > self.today:
            raise ValidationError(_("所选期间尚未开始。"))
        data["part"] = part
        data["school"] = self.schools[data["organisation"]]
        return data
