"""Inspections (排查/巡查): checklists and their versions, the school calendar, schedules (who checks
what, how often), and what was actually done: inspections, their failed items, photos and QR
check-ins. Due and missed tasks are derived from these (see `due.py`), never stored by hand."""

from __future__ import annotations

import datetime
import decimal
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.periods import Period, PeriodManager, end_after_start
from core.tenancy import ScopedManager, ScopedModel
from grids.choices import LIST_SEPARATOR, WEEKDAY_NAMES, AssignmentRole, GridKind

from .choices import NTH_LABELS, Cadence, DayRule, HolidayKind, ItemKind, Topic, Verdict


class Checklist(Audited, ScopedModel):
    """A school's checklist (排查表). Its items live in immutable versions; editing publishes a new
    version, so a completed inspection always shows exactly what it answered."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    topic = models.CharField(_("类别"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    description = models.TextField(_("说明"), blank=True)
    standard_key = models.CharField(_("来源标准表"), max_length=30, blank=True, editable=False)
    current_version = models.ForeignKey("ChecklistVersion", verbose_name=_("当前版本"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+", editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("排查表")
        verbose_name_plural = _("排查表")
        ordering = ["organisation", "topic", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="checklist_name_unique")]

    def __str__(self):
        return self.name


class ChecklistVersion(ScopedModel):
    """One published list of items. Never changed once created."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    checklist = models.ForeignKey(Checklist, verbose_name=_("排查表"), on_delete=models.CASCADE,
                                  related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("发布人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("修订说明"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("排查表版本")
        verbose_name_plural = _("排查表版本")
        ordering = ["checklist_id", "-number"]  # ids, not the checklist's own ordering: no joins
        constraints = [models.UniqueConstraint(fields=["checklist", "number"], name="checklist_version_unique")]

    def __str__(self):
        return _("%(name)s 第%(n)d版") % {"name": self.checklist.name, "n": self.number}


class ChecklistItem(models.Model):
    """An item of a version: what to check, how it is answered and what counts as a failure.

    `key` is stable across versions (so rates per item survive edits); `is_major` marks items the
    education system treats as a major hazard (重大事故隐患) on sight.
    """

    version = models.ForeignKey(ChecklistVersion, verbose_name=_("版本"), on_delete=models.CASCADE,
                                related_name="items")
    position = models.PositiveSmallIntegerField(_("序号"))
    key = models.CharField(_("编号"), max_length=30)
    group = models.CharField(_("分组"), max_length=40)
    text = models.CharField(_("检查内容"), max_length=300)
    guidance = models.CharField(_("怎么查"), max_length=300, blank=True)
    kind = models.CharField(_("答题方式"), max_length=10, choices=ItemKind.choices, default=ItemKind.PASS_FAIL)
    unit = models.CharField(_("单位"), max_length=10, blank=True)
    min_value = models.DecimalField(_("下限"), max_digits=10, decimal_places=2, null=True, blank=True)
    max_value = models.DecimalField(_("上限"), max_digits=10, decimal_places=2, null=True, blank=True)
    options = models.JSONField(_("选项"), default=list, blank=True)
    fail_options = models.JSONField(_("不合格选项"), default=list, blank=True)
    is_major = models.BooleanField(_("重大隐患项"), default=False)
    photo_on_fail = models.BooleanField(_("不合格须拍照"), default=False)
    note_on_fail = models.BooleanField(_("不合格须说明"), default=False)

    class Meta:
        verbose_name = _("排查项")
        verbose_name_plural = _("排查项")
        ordering = ["version_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "key"], name="checklist_item_key_unique"),
            models.UniqueConstraint(fields=["version", "position"], name="checklist_item_position_unique"),
        ]

    def __str__(self):
        return f"{self.position}. {self.text}"

    @property
    def limits_label(self) -> str:
        if self.min_value is not None and self.max_value is not None:
            return f"{self.min_value.normalize():f}–{self.max_value.normalize():f}{self.unit}"
        if self.min_value is not None:
            return f"≥{self.min_value.normalize():f}{self.unit}"
        if self.max_value is not None:
            return f"≤{self.max_value.normalize():f}{self.unit}"
        return ""

    def evaluate(self, raw: str) -> tuple[str, bool]:
        """(stored value, failed) for an answer; ValueError with a Chinese reason when unusable.

        An empty answer is an error for every kind but text (a text item never fails).
        """
        raw = (raw or "").strip()
        if self.kind == ItemKind.TEXT:
            return raw, False
        if not raw:
            raise ValueError(_("未作答"))
        if self.kind == ItemKind.PASS_FAIL:
            if raw not in Verdict.values:
                raise ValueError(_("答案须为合格、不合格、不适用或不确定"))
            return raw, raw == Verdict.FAIL
        if self.kind == ItemKind.CHOICE:
            if raw not in self.options:
                raise ValueError(_("答案须为所列选项之一"))
            return raw, raw in self.fail_options
        try:
            value = decimal.Decimal(raw)
        except decimal.InvalidOperation:
            raise ValueError(_("须填写数字")) from None
        if not value.is_finite():
            raise ValueError(_("须填写数字"))
        failed = (self.min_value is not None and value < self.min_value) or (
            self.max_value is not None and value > self.max_value)
        return f"{value.normalize():f}", failed

    def answer_label(self, value: str) -> str:
        if self.kind == ItemKind.PASS_FAIL and value in Verdict.values:
            return str(Verdict(value).label)
        if self.kind == ItemKind.NUMBER and value:
            return f"{value}{self.unit}"
        return value

    def clean(self):
        super().clean()
        if self.kind == ItemKind.NUMBER and self.min_value is None and self.max_value is None:
            raise ValidationError(_("数值项须至少设下限或上限。"))
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError(_("下限不能大于上限。"))
        if self.kind == ItemKind.CHOICE:
            if len(self.options) < 2:
                raise ValidationError(_("选项题至少要有两个选项。"))
            if not set(self.fail_options) <= set(self.options):
                raise ValidationError(_("不合格选项必须是所列选项之一。"))
        if self.kind == ItemKind.TEXT and (self.is_major or self.photo_on_fail or self.note_on_fail):
            raise ValidationError(_("文字项不会不合格，不能设为重大隐患项或要求拍照、说明。"))


class Term(Audited, Period, ScopedModel):
    """A school term (学期): inspections on school days count only inside terms."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("学期"), max_length=40, help_text=_("如 2026-2027学年第一学期"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    objects = PeriodManager()

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        ordering = ["organisation", "start"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="term_name_unique"),
            models.CheckConstraint(condition=end_after_start(), name="term_end_after_start"),
        ]

    def __str__(self):
        return self.name

    def clean(self):
        super().clean()
        if self.period_errors():
            raise ValidationError(self.period_errors())
        if self.start and self.end:
            overlapping = Term.objects.filter(organisation_id=self.organisation_id).overlapping(self.start, self.end)
            if overlapping.exclude(pk=self.pk).exists():
                raise ValidationError(_("学期时间与已有学期重叠。"))


class Holiday(Audited, Period, ScopedModel):
    """A holiday (放假) or a make-up school day (调休上课) in the school calendar."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("名称"), max_length=40)
    kind = models.CharField(_("类型"), max_length=10, choices=HolidayKind.choices, default=HolidayKind.HOLIDAY)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))

    objects = PeriodManager()

    class Meta:
        verbose_name = _("假日")
        verbose_name_plural = _("假日")
        ordering = ["organisation", "start"]
        constraints = [models.CheckConstraint(condition=end_after_start(), name="holiday_end_after_start")]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def clean(self):
        super().clean()
        if self.period_errors():
            raise ValidationError(self.period_errors())


class Schedule(Audited, Period, ScopedModel):
    """A schedule (排查频次) binds a checklist to what it is done on — grids, grids of a kind, places,
    or the key locations — with a cadence over the school calendar, and who must do it (roles).

    Tasks are derived from it per day; a schedule is never copied into task rows.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    name = models.CharField(_("名称"), max_length=60)
    checklist = models.ForeignKey(Checklist, verbose_name=_("排查表"), on_delete=models.PROTECT,
                                  related_name="schedules")
    cadence = models.CharField(_("频次"), max_length=12, choices=Cadence.choices, default=Cadence.DAILY)
    weekdays = models.CharField(_("星期"), max_length=7, blank=True, help_text=_("1–7，1为周一，如 135"))
    nth = models.SmallIntegerField(_("第几个"), null=True, blank=True, help_text=_("1–5，-1为最后一个"))
    weekday = models.PositiveSmallIntegerField(_("星期几"), null=True, blank=True, help_text=_("1–7，1为周一"))
    times_per_term = models.PositiveSmallIntegerField(_("每学期次数"), default=1)
    per_window = models.PositiveSmallIntegerField(_("每次应检次数"), default=1)
    day_rule = models.CharField(_("适用日期"), max_length=12, choices=DayRule.choices, default=DayRule.SCHOOL_DAYS)
    time_from = models.TimeField(_("时段开始"), null=True, blank=True)
    time_to = models.TimeField(_("时段结束"), null=True, blank=True)
    grids = models.ManyToManyField("grids.Grid", verbose_name=_("网格"), blank=True, related_name="schedules")
    grid_kind = models.CharField(_("网格类型"), max_length=20, choices=GridKind.choices, blank=True)
    places = models.ManyToManyField("campus.Place", verbose_name=_("场所"), blank=True, related_name="schedules")
    key_locations = models.BooleanField(_("全部重点部位"), default=False)
    roles = models.CharField(_("由谁检查"), max_length=200, blank=True,
                             help_text=_("责任角色，逗号分隔；留空为网格的全部责任人（不含班长）"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    is_active = models.BooleanField(_("启用"), default=True)

    objects = PeriodManager()

    class Meta:
        verbose_name = _("排查计划")
        verbose_name_plural = _("排查计划")
        ordering = ["organisation", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="schedule_name_unique"),
            models.CheckConstraint(condition=end_after_start(), name="schedule_end_after_start"),
        ]

    def __str__(self):
        return self.name

    @property
    def role_list(self) -> list[str]:
        return [r for r in (s.strip() for s in self.roles.split(",")) if r]

    @property
    def cadence_label(self) -> str:
        """何时查, as printed on plates: 每天 07:30–08:00, 每周一、三, 每月第一个周二, 每学期2次."""
        if self.cadence == Cadence.WEEKDAYS:
            label = _("每%(days)s") % {"days": str(LIST_SEPARATOR).join(
                str(WEEKDAY_NAMES[int(d) - 1]) for d in self.weekdays)}
        elif self.cadence == Cadence.MONTHLY_NTH:
            label = _("每月%(nth)s%(day)s") % {"nth": NTH_LABELS.get(self.nth, ""),
                                              "day": WEEKDAY_NAMES[(self.weekday or 1) - 1]}
        elif self.cadence == Cadence.PER_TERM:
            label = _("每学期%(n)d次") % {"n": self.times_per_term}
        else:
            label = str(self.get_cadence_display())
        if self.per_window > 1:
            label += str(_("，每次%(n)d遍") % {"n": self.per_window})
        if self.time_from and self.time_to:
            label += f" {self.time_from:%H:%M}–{self.time_to:%H:%M}"
        return str(label)

    def in_time_window(self, moment: datetime.time) -> bool:
        """Whether a time of day lies in the schedule's window (a window may run past midnight)."""
        if not (self.time_from and self.time_to):
            return True
        if self.time_from <= self.time_to:
            return self.time_from <= moment <= self.time_to
        return moment >= self.time_from or moment <= self.time_to

    def duty_day(self, local: datetime.datetime) -> datetime.date:
        """The day a local moment belongs to: 00:30 is still the previous night's dormitory check when
        the window runs past midnight (21:30–01:00)."""
        if self.time_from and self.time_to and self.time_from > self.time_to and local.time() <= self.time_to:
            return local.date() - datetime.timedelta(days=1)
        return local.date()

    def clean(self):
        super().clean()
        errors = {}
        if self.cadence == Cadence.WEEKDAYS:
            if not self.weekdays or any(d not in "1234567" for d in self.weekdays) or len(
                    set(self.weekdays)) != len(self.weekdays):
                errors["weekdays"] = _("请填写1–7的数字（1为周一），不重复。")
            else:
                self.weekdays = "".join(sorted(self.weekdays))
        if self.cadence == Cadence.MONTHLY_NTH:
            if self.nth not in NTH_LABELS:
                errors["nth"] = _("第几个须为1–5或-1（最后一个）。")
            if not self.weekday or not 1 <= self.weekday <= 7:
                errors["weekday"] = _("星期几须为1–7。")
        if self.cadence == Cadence.PER_TERM and not 1 <= self.times_per_term <= 20:
            errors["times_per_term"] = _("每学期次数须为1–20。")
        if not 1 <= self.per_window <= 24:
            errors["per_window"] = _("每次应检次数须为1–24。")
        if bool(self.time_from) != bool(self.time_to):
            errors["time_to"] = _("时段须同时填写开始和结束时间。")
        unknown = [r for r in self.role_list if r not in AssignmentRole.values]
        if unknown:
            errors["roles"] = _("未知的责任角色：%(roles)s") % {"roles": "，".join(unknown)}
        errors.update(self.period_errors())
        if self.checklist_id and self.organisation_id and self.checklist.organisation_id != self.organisation_id:
            errors["checklist"] = _("排查表必须属于本学校。")
        if errors:
            raise ValidationError(errors)


class Inspection(Audited, ScopedModel):
    """One completed inspection: the answers to a pinned checklist version, on a grid and/or place.

    Nothing wrong found is a zero report (零报告) and counts like any other. `client_id` is made on
    the phone, so a submission resent after a lost connection is recognised, not duplicated.
    Answers are kept compactly as {item key: value}; failures are promoted to `Finding` rows.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    client_id = models.UUIDField(_("提交编号"), unique=True, default=uuid.uuid4, editable=False)
    schedule = models.ForeignKey(Schedule, verbose_name=_("排查计划"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="inspections")
    version = models.ForeignKey(ChecklistVersion, verbose_name=_("排查表版本"), on_delete=models.PROTECT,
                                related_name="inspections")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="inspections")
    place = models.ForeignKey("campus.Place", verbose_name=_("场所"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="inspections")
    on_date = models.DateField(_("排查日期"))
    inspector = models.ForeignKey("people.Person", verbose_name=_("检查人"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="inspections")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交账户"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    device_time = models.DateTimeField(_("手机时间"), null=True, blank=True)
    received_at = models.DateTimeField(_("服务器接收时间"), auto_now_add=True)
    answers = models.JSONField(_("答案"), default=dict)
    notes = models.JSONField(_("说明"), default=dict, blank=True)
    failed_count = models.PositiveSmallIntegerField(_("不合格项数"), default=0)
    major_count = models.PositiveSmallIntegerField(_("重大隐患项数"), default=0)
    remark = models.TextField(_("备注"), blank=True)
    check_in = models.ForeignKey("CheckIn", verbose_name=_("扫码打卡"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="inspections")

    objects = ScopedManager()
    audit_exclude = ("answers", "notes")

    class Meta:
        verbose_name = _("排查记录")
        verbose_name_plural = _("排查记录")
        ordering = ["-on_date", "-received_at"]
        indexes = [
            # A bureau's records (most rows) in the list's order: the first page without sorting them all.
            models.Index(fields=["on_date", "received_at"], name="inspection_date_received"),
            models.Index(fields=["organisation", "on_date"], name="inspection_org_date"),
            models.Index(fields=["schedule", "on_date"], name="inspection_schedule_date"),
            models.Index(fields=["grid", "on_date"], name="inspection_grid_date"),
            models.Index(fields=["place", "on_date"], name="inspection_place_date"),
            models.Index(fields=["inspector", "on_date"], name="inspection_inspector_date"),
            models.Index(fields=["organisation", "failed_count"], name="inspection_org_failed"),
        ]

    def __str__(self):
        target = self.place or self.grid
        return f"{self.on_date:%Y-%m-%d} {self.version.checklist.name}" + (f" · {target}" if target else "")

    @property
    def is_zero_report(self) -> bool:
        return self.failed_count == 0


class Finding(ScopedModel):
    """A failed item of an inspection. The hazard workflow (隐患) takes these up; until it exists a
    finding is the record that something was wrong, where, and how bad."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    inspection = models.ForeignKey(Inspection, verbose_name=_("排查记录"), on_delete=models.CASCADE,
                                   related_name="findings")
    item = models.ForeignKey(ChecklistItem, verbose_name=_("排查项"), on_delete=models.PROTECT, related_name="+")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    place = models.ForeignKey("campus.Place", verbose_name=_("场所"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="findings")
    on_date = models.DateField(_("发现日期"))
    answer = models.CharField(_("答案"), max_length=60)
    note = models.TextField(_("说明"), blank=True)
    is_major = models.BooleanField(_("重大隐患"), default=False)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("排查发现")
        verbose_name_plural = _("排查发现")
        ordering = ["-on_date", "id"]
        indexes = [models.Index(fields=["organisation", "on_date", "is_major"], name="finding_org_date_major")]

    def __str__(self):
        return f"{self.item.text}：{self.answer}"


def photo_path(instance, filename: str) -> str:
    """Where a stored photo goes: its kind's folder, its school, the local month."""
    return f"{instance.PHOTO_FOLDER}/{instance.organisation_id}/{timezone.localdate():%Y/%m}/{filename}"


class StoredPhoto(models.Model):
    """A photo uploaded from a phone (inspection failures, hazards before/after, public reports): checked
    by its content, stored under a random name with a JPEG thumbnail, served only through scoped views."""

    PHOTO_FOLDER = "photos"

    image = models.FileField(_("照片"), upload_to=photo_path, max_length=200)
    thumbnail = models.FileField(_("缩略图"), upload_to=photo_path, max_length=200)
    content_type = models.CharField(_("格式"), max_length=20)
    size = models.PositiveIntegerField(_("大小"))
    width = models.PositiveIntegerField(_("宽"))
    height = models.PositiveIntegerField(_("高"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    original_name = models.CharField(_("原文件名"), max_length=200, blank=True)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name or self.image.name

    def response(self, *, thumbnail: bool = False):
        """The photo (or its JPEG thumbnail) as a private, long-cached download; 404 if its file is gone.
        Callers fetch the row through their own scoping first."""
        from django.http import FileResponse, Http404

        file = self.thumbnail if thumbnail else self.image
        try:
            handle = file.open("rb")
        except (FileNotFoundError, ValueError) as exc:
            raise Http404 from exc
        response = FileResponse(handle, content_type="image/jpeg" if thumbnail else (
            self.content_type or "application/octet-stream"))
        response["Cache-Control"] = "private, max-age=86400"  # a stored photo never changes
        return response

    def store(self, upload, saved: list[str] | None = None) -> None:
        """Check `upload` (ValidationError in Chinese when it is not an acceptable photo) and write it and
        its thumbnail to storage; the row itself is not saved. Stored names are added to `saved`, for the
        caller to delete if its transaction fails."""
        from .photos import inspect_photo, make_thumbnail, normalised_name

        info = inspect_photo(upload)
        name = normalised_name(info)
        self.content_type, self.size, self.sha256 = info.content_type, upload.size, info.sha256
        self.width, self.height = info.width, info.height
        self.original_name = (getattr(upload, "name", "") or "")[:200]
        upload.seek(0)
        self.image.save(name, upload, save=False)
        if saved is not None:
            saved.append(self.image.name)
        upload.seek(0)
        self.thumbnail.save(name.rsplit(".", 1)[0] + ".thumb.jpg", make_thumbnail(upload), save=False)
        if saved is not None:
            saved.append(self.thumbnail.name)


def store_photos(pairs: list[tuple[StoredPhoto, object]], write):
    """Check and store each (photo row, upload) — a ValidationError in Chinese before anything is written —
    then run `write()` (which saves the rows) in one transaction and return what it returns. If anything
    fails, the files already written are removed again: nothing is left half done."""
    from django.db import transaction

    saved: list[str] = []
    try:
        for photo, upload in pairs:
            photo.store(upload, saved)
        with transaction.atomic():
            return write()
    except BaseException:
        for photo, _upload in pairs[:1]:
            for name in saved:
                photo.image.storage.delete(name)
        raise


class Photo(StoredPhoto, ScopedModel):
    """A photo taken during an inspection (of a failed item, or of the whole check)."""

    PHOTO_FOLDER = "inspections"

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    inspection = models.ForeignKey(Inspection, verbose_name=_("排查记录"), on_delete=models.CASCADE,
                                   related_name="photos")
    item_key = models.CharField(_("排查项"), max_length=30, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("排查照片")
        verbose_name_plural = _("排查照片")
        ordering = ["inspection", "id"]


class CheckIn(ScopedModel):
    """A QR scan at a place (扫码打卡): device time, server time and, if the phone allowed, position.

    A scan outside the expected time window is recorded and flagged for the grid leader, never
    refused.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    client_id = models.UUIDField(_("提交编号"), unique=True, default=uuid.uuid4, editable=False)
    place = models.ForeignKey("campus.Place", verbose_name=_("场所"), on_delete=models.CASCADE,
                              related_name="check_ins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("账户"), null=True,
                             on_delete=models.SET_NULL, related_name="+")
    person = models.ForeignKey("people.Person", verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="check_ins")
    device_time = models.DateTimeField(_("手机时间"), null=True, blank=True)
    server_time = models.DateTimeField(_("服务器时间"), auto_now_add=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy = models.FloatField(_("定位精度（米）"), null=True, blank=True)
    flagged = models.BooleanField(_("异常"), default=False)
    flag_reason = models.CharField(_("异常原因"), max_length=200, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("扫码打卡")
        verbose_name_plural = _("扫码打卡")
        ordering = ["-server_time"]
        indexes = [
            models.Index(fields=["organisation", "server_time"], name="checkin_org_time"),
            models.Index(fields=["organisation", "flagged", "server_time"], name="checkin_org_flagged"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                                   name="checkin_latitude_range"),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="checkin_longitude_range"),
        ]

    def __str__(self):
        return f"{self.place} {self.server_time:%Y-%m-%d %H:%M}"

    @property
    def scanned_at(self):
        """When the scan happened as far as we know: the phone's clock, else the server's."""
        return self.device_time or self.server_time
