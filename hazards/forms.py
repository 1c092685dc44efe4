import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from campus.models import Place
from core.filters import local_midnight
from grids.models import Grid
from inspections.filters import DATE, LenientModelChoiceField, PlaceChoiceField, RecordFilterForm

from .choices import Grade, Level, PhotoKind, RiskColour, Source, State, Topic
from .stats import overdue_q


def _choices(choices):
    return [("", _("全部"))] + list(choices)


class HazardFilterForm(RecordFilterForm):
    """Filters of the register (隐患台账), each served by an index on Hazard: (organisation, found_at),
    (organisation, state|topic|source, found_at), (organisation, grade, state), (organisation, level, state),
    (organisation, is_overdue, state) with (state, deadline) for 逾期, (organisation, risk_colour), (grid, state),
    (place, found_at). A bureau picks a school first for the grid and place selects."""

    OPEN = "open"

    since = forms.DateField(label=_("发现日期起"), required=False, widget=DATE)
    until = forms.DateField(label=_("发现日期止"), required=False, widget=DATE)
    state = forms.ChoiceField(label=_("状态"), choices=_choices([(OPEN, _("未销号"))] + list(State.choices)),
                              required=False)
    grade = forms.ChoiceField(label=_("等级"), choices=_choices(Grade.choices), required=False)
    topic = forms.ChoiceField(label=_("类别"), choices=_choices(Topic.choices), required=False)
    source = forms.ChoiceField(label=_("来源"), choices=_choices(Source.choices), required=False)
    level = forms.ChoiceField(label=_("处理层级"), choices=_choices(Level.choices), required=False)
    risk_colour = forms.ChoiceField(label=_("风险颜色"), choices=_choices(RiskColour.choices), required=False)
    grid = LenientModelChoiceField(label=_("责任网格"), queryset=Grid.objects.none(), required=False,
                                   empty_label=_("全部"))
    place = PlaceChoiceField(label=_("场所"), queryset=Place.objects.none(), required=False, empty_label=_("全部"))
    overdue = forms.BooleanField(label=_("仅逾期"), required=False)
    left_overnight = forms.BooleanField(label=_("仅隔夜未处理"), required=False)

    school_fields = {
        "grid": lambda school: Grid.objects.filter(organisation=school).order_by("level", "name"),
        "place": lambda school: Place.objects.filter(organisation=school).select_related(
            "parent__parent__parent").order_by("code"),
    }

    @staticmethod
    def defaults() -> dict:
        return {}

    def filter(self, hazards):
        data = self.cleaned_data
        hazards = self.narrow_to_school(hazards)
        if data.get("since"):
            hazards = hazards.filter(found_at__gte=local_midnight(data["since"]))
        if data.get("until"):
            hazards = hazards.filter(found_at__lt=local_midnight(data["until"] + datetime.timedelta(days=1)))
        if data.get("state") == self.OPEN:
            hazards = hazards.exclude(state=State.CLOSED)
        elif data.get("state"):
            hazards = hazards.filter(state=data["state"])
        for name in ("grade", "topic", "source", "level", "risk_colour", "grid", "place"):
            if data.get(name):
                hazards = hazards.filter(**{name: data[name]})
        if data.get("overdue"):  # the statistics' rule: late now, closed late, or escalated for being late
            hazards = hazards.filter(overdue_q(timezone.localdate()))
        if data.get("left_overnight"):
            hazards = hazards.filter(left_overnight=True)
        return hazards


# --- the workflow's forms -------------------------------------------------------------------------

PHOTO_ACCEPT = "image/jpeg,image/png,image/heic,image/heif,image/*"


def _photo_field(label, required=False):
    return forms.FileField(label=label, required=required, widget=forms.ClearableFileInput(
        attrs={"accept": PHOTO_ACCEPT, "capture": "environment"}))


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ReportForm(forms.Form):
    """上报隐患 on a phone: where, what, a photo; optionally fixed on the spot (当场整改) with an after photo."""

    place = forms.ModelChoiceField(label=_("场所"), queryset=None)
    description = forms.CharField(label=_("隐患描述"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    topic = forms.ChoiceField(label=_("类别"), choices=Topic.choices)
    grade = forms.ChoiceField(label=_("等级"), choices=Grade.choices, initial=Grade.GENERAL)
    risk_colour = forms.ChoiceField(label=_("风险颜色"), choices=[("", _("不标注"))] + list(RiskColour.choices),
                                    required=False)
    photo = _photo_field(_("现场照片（整改前）"))
    fixed_now = forms.BooleanField(label=_("已当场整改"), required=False,
                                   help_text=_("一般隐患当场消除的，上传整改后照片并说明，仍须他人验收销号。"))
    after_photo = _photo_field(_("整改后照片"))
    fix_note = forms.CharField(label=_("整改情况"), required=False, max_length=2000,
                               widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, places, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["place"].queryset = places

    def clean(self):
        data = super().clean()
        if data.get("fixed_now"):
            if data.get("grade") == Grade.MAJOR:
                self.add_error("fixed_now", _("重大隐患不能当场整改销号，须落实五落实后整改。"))
            for name, message in [("photo", _("当场整改须上传整改前的照片。")),
                                  ("after_photo", _("当场整改须上传整改后的照片。")),
                                  ("fix_note", _("请说明整改情况。"))]:
                if not data.get(name):
                    self.add_error(name, message)
        return data


class AssignForm(forms.Form):
    """交办整改 with the five fixes (五落实); all five are required for a major hazard (checked by the workflow)."""

    responsible = forms.ModelChoiceField(label=_("整改责任人"), queryset=None)
    deadline = forms.DateField(label=_("整改期限"), widget=DateInput())
    measures = forms.CharField(label=_("整改措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    funds = forms.CharField(label=_("整改资金"), required=False, max_length=200)
    contingency_plan = forms.CharField(label=_("应急预案"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, people, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people


class FixForm(forms.Form):
    """整改完成: the after photo and what was done."""

    note = forms.CharField(label=_("整改情况"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    after_photo = _photo_field(_("整改后照片"))


class OnSpotForm(FixForm):
    """当场整改 of a registered hazard: also the before photo, if none was taken when it was reported."""

    before_photo = _photo_field(_("整改前照片"))


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("不通过原因"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class EscalateForm(forms.Form):
    reason = forms.CharField(label=_("上报原因"), max_length=2000, initial=_("超出处理能力"),
                             widget=forms.Textarea(attrs={"rows": 2}))
    government_reference = forms.CharField(label=_("报送政府文号"), max_length=100, required=False)


class PhotoForm(forms.Form):
    kind = forms.ChoiceField(label=_("类型"), choices=PhotoKind.choices)
    photo = _photo_field(_("照片"), required=True)
