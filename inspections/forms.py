"""Forms for setting up inspections: checklists and their items, schedules, the school calendar."""

from __future__ import annotations

import decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from campus.models import Place
from core.forms import ScopedModelForm
from grids.choices import WEEKDAY_NAMES, AssignmentRole
from grids.models import Grid
from orgs.roles import Capability
from people.forms import DATE

from .choices import NTH_LABELS, Cadence, ItemKind
from .models import Checklist, Holiday, Schedule, Term

TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
CENT = decimal.Decimal("0.01")


class SchoolFormMixin:
    """A form for an object of one school: new objects belong to `school`, names are unique in it."""

    def set_school(self, school) -> None:
        self.school = school
        if school is not None and self.instance.organisation_id is None:
            self.instance.organisation = school

    def unique_name(self, name: str, message) -> str:
        model = self._meta.model
        clash = model.objects.filter(organisation=self.instance.organisation_id, name=name)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if name and clash.exists():
            raise ValidationError(message % {"name": name})
        return name


# --- checklists ------------------------------------------------------------------------------------

class ChecklistForm(SchoolFormMixin, ScopedModelForm):
    capability = Capability.MANAGE_INSPECTIONS

    class Meta:
        model = Checklist
        fields = ["name", "topic", "description", "is_active"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_school(school)
        if not self.instance.pk:
            del self.fields["is_active"]  # a new checklist starts active

    def clean_name(self):
        return self.unique_name(self.cleaned_data["name"].strip(), _("本校已有名为“%(name)s”的排查表。"))


def _lines(value: str) -> list[str]:
    """One option per line, blank lines and surrounding spaces dropped, duplicates once."""
    seen: list[str] = []
    for line in (value or "").splitlines():
        line = line.strip()
        if line and line not in seen:
            seen.append(line)
    return seen


class ItemForm(forms.Form):
    """One item of the editor. An existing item's key is shown, never changed (it ties rates across
    versions); a new item gets its key when the version is published."""

    key = forms.CharField(label=_("编号"), required=False, disabled=True, widget=forms.HiddenInput)
    position = forms.IntegerField(label=_("序号"), required=False, min_value=1, max_value=999)
    group = forms.CharField(label=_("分组"), max_length=40)
    text = forms.CharField(label=_("检查内容"), max_length=300)
    guidance = forms.CharField(label=_("怎么查"), max_length=300, required=False)
    kind = forms.ChoiceField(label=_("答题方式"), choices=ItemKind.choices, initial=ItemKind.PASS_FAIL)
    unit = forms.CharField(label=_("单位"), max_length=10, required=False)
    min_value = forms.DecimalField(label=_("下限"), max_digits=10, decimal_places=2, required=False)
    max_value = forms.DecimalField(label=_("上限"), max_digits=10, decimal_places=2, required=False)
    options = forms.CharField(label=_("选项"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("每行一个选项"))
    fail_options = forms.CharField(label=_("不合格选项"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                   help_text=_("每行一个，须是上面的选项之一"))
    is_major = forms.BooleanField(label=_("重大隐患项"), required=False)
    photo_on_fail = forms.BooleanField(label=_("不合格须拍照"), required=False)
    note_on_fail = forms.BooleanField(label=_("不合格须说明"), required=False)

    @property
    def is_existing(self) -> bool:
        return bool(self.initial.get("key"))

    @staticmethod
    def initial_for(item) -> dict:
        return {
            "key": item.key, "position": item.position, "group": item.group, "text": item.text,
            "guidance": item.guidance, "kind": item.kind, "unit": item.unit, "min_value": item.min_value,
            "max_value": item.max_value, "options": "\n".join(item.options),
            "fail_options": "\n".join(item.fail_options), "is_major": item.is_major,
            "photo_on_fail": item.photo_on_fail, "note_on_fail": item.note_on_fail,
        }

    def _cents(self, name):
        value = self.cleaned_data.get(name)
        return None if value is None else value.quantize(CENT)

    def clean_min_value(self):
        return self._cents("min_value")

    def clean_max_value(self):
        return self._cents("max_value")

    def clean_options(self):
        return _lines(self.cleaned_data.get("options", ""))

    def clean_fail_options(self):
        return _lines(self.cleaned_data.get("fail_options", ""))

    def item_values(self) -> dict:
        """The item in ChecklistItem's field names; what does not apply to the kind is dropped, so a
        stale option list under a pass/fail item is not published."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in (
            "group", "text", "guidance", "kind", "unit", "min_value", "max_value", "options", "fail_options",
            "is_major", "photo_on_fail", "note_on_fail")}
        values["group"], values["text"] = values["group"].strip(), values["text"].strip()
        values["guidance"] = (values["guidance"] or "").strip()
        values["unit"] = (values["unit"] or "").strip()
        if values["kind"] != ItemKind.CHOICE:
            values["options"], values["fail_options"] = [], []
        if values["kind"] != ItemKind.NUMBER:
            values["min_value"] = values["max_value"] = None
            values["unit"] = ""
        return values


class BaseItemFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [f for f in self.forms if f.has_changed() or f.is_existing]
        if not [f for f in kept if not self._should_delete_form(f)]:
            raise ValidationError(_("排查表至少要有一项。"))


ItemFormSet = forms.formset_factory(ItemForm, formset=BaseItemFormSet, extra=3, can_delete=True)


class PublishForm(forms.Form):
    """The rest of the editor: the revision note, and the version the items were edited from (so two
    people editing at once cannot silently overwrite each other)."""

    note = forms.CharField(label=_("修订说明"), max_length=200, required=False,
                           help_text=_("如：新增消防通道检查项；会记入版本历史"))
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


# --- schedules -------------------------------------------------------------------------------------

WEEKDAY_CHOICES = [(str(i + 1), name) for i, name in enumerate(WEEKDAY_NAMES)]


class ScheduleForm(SchoolFormMixin, ScopedModelForm):
    """A schedule of one school. The model's `clean()` checks the cadence fields; this form turns the
    digit string of weekdays and the comma list of roles into checkboxes, and drops the fields the
    chosen cadence does not use."""

    capability = Capability.MANAGE_INSPECTIONS
    weekdays = forms.MultipleChoiceField(label=_("星期"), required=False, choices=WEEKDAY_CHOICES,
                                         widget=forms.CheckboxSelectMultiple(attrs={"class": "checks inline"}),
                                         help_text=_("“每周指定星期”时选择"))
    nth = forms.TypedChoiceField(label=_("第几个"), required=False, coerce=int, empty_value=None,
                                 choices=[("", "—")] + [(str(k), v) for k, v in NTH_LABELS.items()],
                                 help_text=_("“每月第N个星期几”时选择"))
    weekday = forms.TypedChoiceField(label=_("星期几"), required=False, coerce=int, empty_value=None,
                                     choices=[("", "—")] + WEEKDAY_CHOICES)
    roles = forms.MultipleChoiceField(label=_("由谁检查"), required=False, choices=AssignmentRole.choices,
                                      widget=forms.CheckboxSelectMultiple(attrs={"class": "checks full"}),
                                      help_text=_("不选为网格的全部责任人（不含班长）"))

    class Meta:
        model = Schedule
        fields = ["name", "checklist", "cadence", "weekdays", "nth", "weekday", "times_per_term", "per_window",
                  "day_rule", "time_from", "time_to", "grids", "grid_kind", "places", "key_locations", "roles",
                  "start", "end", "is_active"]
        widgets = {
            "time_from": TIME, "time_to": TIME, "start": DATE, "end": DATE,
            "grids": forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
            "places": forms.CheckboxSelectMultiple(attrs={"class": "checks"}),
        }
        help_texts = {"times_per_term": _("“每学期N次”时填写"), "per_window": _("每个应检日（或时段）须查几遍"),
                      "grid_kind": _("该类型的全部网格"), "key_locations": _("所有标为重点部位的场所")}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_school(school)
        organisation = self.instance.organisation_id
        checklists = self.fields["checklist"].queryset.filter(organisation=organisation,
                                                              current_version__isnull=False)
        active = checklists.filter(is_active=True)
        if self.instance.checklist_id:
            active = active | checklists.filter(pk=self.instance.checklist_id)
        self.fields["checklist"].queryset = active.order_by("topic", "name")
        self.fields["grids"].queryset = Grid.objects.for_user(self.user).filter(
            organisation=organisation).order_by("level", "name")
        self.fields["places"].queryset = Place.objects.for_user(self.user).filter(
            organisation=organisation).select_related("parent__parent").order_by("code")
        self.fields["places"].label_from_instance = lambda p: f"{p.full_name}（{p.code}）"
        self.fields["times_per_term"].required = False
        if self.instance.pk:
            self.initial["weekdays"] = list(self.instance.weekdays)
            self.initial["roles"] = self.instance.role_list

    def clean_name(self):
        return self.unique_name(self.cleaned_data["name"].strip(), _("本校已有名为“%(name)s”的排查计划。"))

    def clean_weekdays(self):
        return "".join(sorted(self.cleaned_data["weekdays"]))

    def clean_roles(self):
        return ",".join(self.cleaned_data["roles"])

    def clean(self):
        data = super().clean()
        cadence = data.get("cadence")
        # What the chosen cadence does not use is cleared, so a switch of cadence leaves no stale values.
        if cadence != Cadence.WEEKDAYS:
            data["weekdays"] = ""
        if cadence != Cadence.MONTHLY_NTH:
            data["nth"] = data["weekday"] = None
        if not data.get("times_per_term"):
            if cadence == Cadence.PER_TERM and "times_per_term" not in self.errors:
                self.add_error("times_per_term", _("请填写每学期次数。"))
            data["times_per_term"] = 1
        has_target = bool(data.get("grids")) or bool(data.get("places")) or bool(data.get("grid_kind")) or bool(
            data.get("key_locations"))
        if cadence and cadence != Cadence.AD_HOC and not has_target:
            raise ValidationError(_("请至少选择一个检查对象：网格、网格类型、场所或全部重点部位。"))
        return data


# --- the school calendar ---------------------------------------------------------------------------

class TermForm(SchoolFormMixin, ScopedModelForm):
    capability = Capability.MANAGE_INSPECTIONS

    class Meta:
        model = Term
        fields = ["name", "start", "end"]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_school(school)

    def clean_name(self):
        return self.unique_name(self.cleaned_data["name"].strip(), _("本校已有名为“%(name)s”的学期。"))


class HolidayForm(SchoolFormMixin, ScopedModelForm):
    capability = Capability.MANAGE_INSPECTIONS

    class Meta:
        model = Holiday
        fields = ["name", "kind", "start", "end"]
        widgets = {"start": DATE, "end": DATE}
        help_texts = {"kind": _("调休上课：周末补上课的日子")}

    def __init__(self, *args, school=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_school(school)
