"""Grids (网格), who answers for them (责任分工) and when (时段)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.periods import Period, PeriodManager, end_after_start
from core.tenancy import ScopedManager, ScopedModel

from .choices import LEVEL_LABELS, LIST_SEPARATOR, WEEKDAY_NAMES, AssignmentRole, GridKind, LetterTemplate


class TimeSlot(Audited, ScopedModel):
    """A recurring period of the school week (教学时段, 就餐, 就寝, 夜间…).

    `weekdays` holds ISO weekday digits ("12345" = Monday to Friday). An end at or before the
    start means the slot runs past midnight (夜间 22:00–06:00).
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="time_slots")
    name = models.CharField(_("时段名称"), max_length=40)
    weekdays = models.CharField(_("星期"), max_length=7, default="12345")
    start_time = models.TimeField(_("开始时间"))
    end_time = models.TimeField(_("结束时间"))

    objects = ScopedManager()

    class Meta:
        verbose_name = _("时段")
        verbose_name_plural = _("时段")
        ordering = ["organisation", "start_time", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="time_slot_unique_per_school")]

    def __str__(self):
        return f"{self.name} {self.weekdays_label} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def weekdays_label(self) -> str:
        return str(LIST_SEPARATOR).join(str(WEEKDAY_NAMES[int(d) - 1]) for d in self.weekdays)

    def minutes(self) -> list[tuple[int, int]]:
        """The slot as [start, end) minute ranges of the week (Monday 00:00 = 0), midnight split."""
        start = self.start_time.hour * 60 + self.start_time.minute
        end = self.end_time.hour * 60 + self.end_time.minute
        ranges = []
        for digit in self.weekdays:
            base = (int(digit) - 1) * 1440
            if end > start:
                ranges.append((base + start, base + end))
            else:  # runs past midnight into the next day (Sunday night wraps to Monday)
                ranges.append((base + start, base + 1440))
                next_day = (base + 1440) % (7 * 1440)
                if end:
                    ranges.append((next_day, next_day + end))
        return ranges

    def clean(self):
        super().clean()
        if not self.weekdays or any(d not in "1234567" for d in self.weekdays) or len(set(self.weekdays)) != len(
            self.weekdays
        ):
            raise ValidationError({"weekdays": _("星期须为1–7的数字（1为周一），且不重复。")})
        self.weekdays = "".join(sorted(self.weekdays))
        if self.start_time == self.end_time:
            raise ValidationError({"end_time": _("结束时间不能等于开始时间。")})


class Grid(Audited, ScopedModel):
    """A grid (网格): a part of the school's responsibility structure, levels 一级 and down.

    It covers places and/or a class and/or time slots; its assignments name who answers for it.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="grids")
    parent = models.ForeignKey("self", verbose_name=_("上级网格"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    name = models.CharField(_("网格名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=GridKind.choices, default=GridKind.CUSTOM)
    level = models.PositiveSmallIntegerField(_("层级"), default=1, editable=False)
    places = models.ManyToManyField("campus.Place", verbose_name=_("覆盖场所"), blank=True, related_name="grids")
    school_class = models.ForeignKey("people.SchoolClass", verbose_name=_("班级"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="grids")
    time_slots = models.ManyToManyField(TimeSlot, verbose_name=_("时段"), blank=True, related_name="grids")
    duties = models.TextField(_("职责"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("网格")
        verbose_name_plural = _("网格")
        ordering = ["organisation", "level", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "parent", "name"], name="grid_name_unique_per_parent"),
            models.UniqueConstraint(fields=["organisation", "name"], condition=Q(parent__isnull=True),
                                    name="root_grid_name_unique_per_school"),
        ]
        indexes = [models.Index(fields=["organisation", "kind"], name="grid_kind")]

    def __str__(self):
        return self.name

    @property
    def level_label(self) -> str:
        return str(LEVEL_LABELS.get(self.level, _("%(n)d级") % {"n": self.level}))

    def clean(self):
        super().clean()
        if self.parent_id:
            if self.parent.organisation_id != self.organisation_id:
                raise ValidationError({"parent": _("上级网格必须属于同一学校。")})
            node = self.parent
            while node is not None:
                if self.pk and node.pk == self.pk:
                    raise ValidationError({"parent": _("上级网格不能是本网格或其下级网格。")})
                node = node.parent

    def save(self, *args, **kwargs):
        old_level = self.level
        self.level = self.parent.level + 1 if self.parent_id else 1
        super().save(*args, **kwargs)
        if self.pk and old_level != self.level:
            # Moved: the levels below follow (one query per tree level; grid trees are shallow).
            parents = [self.pk]
            while parents:
                children = Grid.objects.filter(parent__in=parents)
                children.update(level=models.F("level") + (self.level - old_level))
                parents = list(children.values_list("pk", flat=True))


class Assignment(Audited, Period, ScopedModel):
    """Who answers for a grid, in which role, from `start` to `end` (inclusive; open when empty).

    The holder is a person, or a post, whose holders of the day then answer for it.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey("people.Person", verbose_name=_("人员"), null=True, blank=True,
                               on_delete=models.PROTECT, related_name="assignments")
    post = models.ForeignKey("people.Post", verbose_name=_("岗位"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="assignments")
    role = models.CharField(_("角色"), max_length=20, choices=AssignmentRole.choices)
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    handed_over_from = models.OneToOneField("self", verbose_name=_("交接自"), null=True, blank=True,
                                            on_delete=models.SET_NULL, related_name="handed_over_to")

    objects = PeriodManager()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["grid", "role", "start"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(person__isnull=False, post__isnull=True) | Q(person__isnull=True, post__isnull=False)),
                name="assignment_person_xor_post",
            ),
            models.CheckConstraint(condition=end_after_start(), name="assignment_end_after_start"),
        ]
        indexes = [models.Index(fields=["organisation", "start", "end"], name="assignment_dates")]

    def __str__(self):
        return f"{self.grid} · {self.get_role_display()} · {self.holder}"

    @property
    def holder(self):
        return self.person if self.person_id else self.post


    def clean(self):
        super().clean()
        if bool(self.person_id) == bool(self.post_id):
            raise ValidationError(_("责任人须为一名人员或一个岗位（二者选一）。"))
        if self.period_errors():
            raise ValidationError(self.period_errors())
        for related in (self.person, self.post) if (self.person_id or self.post_id) else ():
            if related is not None and self.grid_id and related.organisation_id != self.grid.organisation_id:
                raise ValidationError(_("责任人必须属于本学校。"))


class ResponsibilityLetter(Audited, ScopedModel):
    """A responsibility letter (安全责任状) for one academic year, between two parties of adjacent
    levels: the issuer (甲方, the upper level) and the signer (乙方). Each signs in the app with a
    typed name; the time and client IP are kept."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    academic_year = models.CharField(_("学年"), max_length=9, help_text=_("如 2026-2027"))
    template = models.CharField(_("责任状类型"), max_length=20, choices=LetterTemplate.choices)
    grid = models.ForeignKey(Grid, verbose_name=_("网格"), null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="letters")
    assignment = models.ForeignKey(Assignment, verbose_name=_("责任分工"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="letters")
    issuer = models.ForeignKey("people.Person", verbose_name=_("甲方"), on_delete=models.PROTECT, related_name="+")
    signer = models.ForeignKey("people.Person", verbose_name=_("乙方"), on_delete=models.PROTECT,
                               related_name="letters")
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("正文"))
    issuer_signed_name = models.CharField(_("甲方签名"), max_length=50, blank=True)
    issuer_signed_at = models.DateTimeField(_("甲方签署时间"), null=True, blank=True)
    issuer_signed_ip = models.GenericIPAddressField(_("甲方签署IP"), null=True, blank=True)
    signer_signed_name = models.CharField(_("乙方签名"), max_length=50, blank=True)
    signer_signed_at = models.DateTimeField(_("乙方签署时间"), null=True, blank=True)
    signer_signed_ip = models.GenericIPAddressField(_("乙方签署IP"), null=True, blank=True)
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("安全责任状")
        verbose_name_plural = _("安全责任状")
        ordering = ["organisation", "academic_year", "template", "signer"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "academic_year", "template", "issuer", "signer"],
                                    name="letter_unique_per_year_and_parties"),
        ]
        indexes = [models.Index(fields=["organisation", "academic_year", "template"], name="letter_year_template")]

    def __str__(self):
        return f"{self.academic_year} {self.title}（{self.issuer.name} — {self.signer.name}）"

    @property
    def is_signed(self) -> bool:
        return self.issuer_signed_at is not None and self.signer_signed_at is not None


from .roster.models import RosterImport  # noqa: E402,F401  (the roster import jobs)
