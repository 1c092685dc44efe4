"""The hazard register (隐患台账): every hazard found, who owns it, its five fixes (五落实), its state
in the rectification workflow and every transition it went through.

State changes go only through `hazards.workflow`; `version` makes two people acting at once safe
(the second is told to reload).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.tenancy import ScopedManager, ScopedModel
from inspections.models import StoredPhoto

from .choices import Grade, Level, PhotoKind, ReminderKind, ReportStatus, RiskColour, Source, State, Topic


class Hazard(Audited, ScopedModel):
    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    place = models.ForeignKey("campus.Place", verbose_name=_("场所"), null=True, blank=True,
                              on_delete=models.PROTECT, related_name="hazards")
    grid = models.ForeignKey("grids.Grid", verbose_name=_("责任网格"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="hazards")
    topic = models.CharField(_("类别"), max_length=20, choices=Topic.choices, default=Topic.OTHER)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices, default=Grade.GENERAL)
    risk_colour = models.CharField(_("风险颜色"), max_length=10, choices=RiskColour.choices, blank=True)
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices, default=Source.PATROL)
    description = models.TextField(_("隐患描述"))
    finding = models.OneToOneField("inspections.Finding", verbose_name=_("排查发现"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="hazard")
    found_by = models.ForeignKey("people.Person", verbose_name=_("发现人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    found_at = models.DateTimeField(_("发现时间"))
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")

    state = models.CharField(_("状态"), max_length=12, choices=State.choices, default=State.REPORTED)
    level = models.CharField(_("处理层级"), max_length=12, choices=Level.choices, default=Level.GRID)
    # The five fixes (五落实): measures, responsible person, funds, deadline, contingency plan.
    responsible = models.ForeignKey("people.Person", verbose_name=_("整改责任人"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="hazards_responsible")
    deadline = models.DateField(_("整改期限"), null=True, blank=True)
    measures = models.TextField(_("整改措施"), blank=True)
    funds = models.CharField(_("整改资金"), max_length=200, blank=True)
    contingency_plan = models.TextField(_("应急预案"), blank=True)

    fixed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("整改人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    fixed_at = models.DateTimeField(_("整改完成时间"), null=True, blank=True)
    fix_note = models.TextField(_("整改情况"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("验收人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    verified_at = models.DateTimeField(_("验收时间"), null=True, blank=True)
    rejection_reason = models.TextField(_("验收不通过原因"), blank=True)
    escalation_reason = models.TextField(_("上报原因"), blank=True)
    government_reference = models.CharField(_("报送政府文号"), max_length=100, blank=True)
    is_overdue = models.BooleanField(_("已逾期"), default=False)
    left_overnight = models.BooleanField(_("隔夜未处理"), default=False,
                                         help_text=_("隐患不过夜：发现当天未交办、未整改也未上报"))
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("隐患")
        verbose_name_plural = _("隐患")
        ordering = ["-found_at", "-id"]
        indexes = [
            # A bureau's register covers most rows: its first page walks this one backwards and stops at 50.
            models.Index(fields=["found_at", "id"], name="hazard_found_id"),
            # Open hazards are a few percent of a year's: dashboards count them per school from this one.
            models.Index(fields=["organisation", "grade"], condition=~models.Q(state=State.CLOSED),
                         name="hazard_open_org"),
            models.Index(fields=["organisation", "found_at"], name="hazard_org_found"),
            models.Index(fields=["organisation", "state", "found_at"], name="hazard_org_state_found"),
            models.Index(fields=["organisation", "level", "state"], name="hazard_org_level_state"),
            models.Index(fields=["organisation", "is_overdue", "state"], name="hazard_org_overdue_state"),
            models.Index(fields=["organisation", "risk_colour"], name="hazard_org_colour"),
            models.Index(fields=["place", "found_at"], name="hazard_place_found"),
            models.Index(fields=["organisation", "grade", "state"], name="hazard_org_grade_state"),
            models.Index(fields=["organisation", "topic", "found_at"], name="hazard_org_topic_found"),
            models.Index(fields=["organisation", "source", "found_at"], name="hazard_org_source_found"),
            models.Index(fields=["grid", "state"], name="hazard_grid_state"),
            models.Index(fields=["state", "deadline"], name="hazard_state_deadline"),
        ]

    def __str__(self):
        return self.description[:40]

    @property
    def five_fixes_missing(self) -> list[str]:
        """Labels of the five fixes not yet given (all are required for a major hazard)."""
        fields = [("measures", self.measures), ("responsible", self.responsible_id), ("funds", self.funds),
                  ("deadline", self.deadline), ("contingency_plan", self.contingency_plan)]
        return [str(self._meta.get_field(name).verbose_name) for name, value in fields
                if not (value.strip() if isinstance(value, str) else value)]


class HazardPhoto(StoredPhoto, ScopedModel):
    """A photo of a hazard before or after its rectification."""

    PHOTO_FOLDER = "hazards"

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="photos")
    kind = models.CharField(_("类型"), max_length=10, choices=PhotoKind.choices)
    taken_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("拍摄人"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("隐患照片")
        verbose_name_plural = _("隐患照片")
        ordering = ["hazard", "kind", "id"]


class HazardEvent(ScopedModel):
    """One step of a hazard's history: what was done, by whom, from which state to which."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(_("原状态"), max_length=12, choices=State.choices, blank=True)
    to_state = models.CharField(_("新状态"), max_length=12, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(_("操作人姓名"), max_length=150)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    reason = models.TextField(_("说明"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("隐患处理记录")
        verbose_name_plural = _("隐患处理记录")
        ordering = ["hazard", "id"]

    @property
    def action_label(self) -> str:
        from .workflow import ACTION_LABELS

        return str(ACTION_LABELS.get(self.action, _("登记") if self.action == "report" else self.action))


class NoticeCounter(ScopedModel):
    """The last rectification notice number of a school in a year (numbers never repeat or skip)."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    last_number = models.PositiveIntegerField(_("最后编号"), default=0)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("通知书编号")
        verbose_name_plural = _("通知书编号")
        constraints = [models.UniqueConstraint(fields=["organisation", "year"], name="notice_counter_unique")]


class RectificationNotice(Audited, ScopedModel):
    """隐患整改通知书: one or more hazards sent to a department or person, numbered per school and year
    (〔2026〕第015号), with a deadline and requirements; the recipient acknowledges receipt."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    number = models.PositiveIntegerField(_("编号"))
    hazards = models.ManyToManyField(Hazard, verbose_name=_("隐患"), related_name="notices")
    recipient_department = models.CharField(_("接收部门"), max_length=60, blank=True)
    recipient = models.ForeignKey("people.Person", verbose_name=_("接收人"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="notices")
    deadline = models.DateField(_("整改期限"))
    requirements = models.TextField(_("整改要求"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签发人"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(_("签发时间"), auto_now_add=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("签收人"), null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+")
    acknowledged_at = models.DateTimeField(_("签收时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("隐患整改通知书")
        verbose_name_plural = _("隐患整改通知书")
        ordering = ["-year", "-number"]
        constraints = [models.UniqueConstraint(fields=["organisation", "year", "number"],
                                               name="notice_number_unique")]

    def __str__(self):
        return self.code

    @property
    def code(self) -> str:
        return _("〔%(year)d〕第%(number)03d号") % {"year": self.year, "number": self.number}


class PublicReport(Audited, ScopedModel):
    """随手拍: a hazard reported by anyone through a place's public QR link, without an account and without
    personal data. It waits in the safety office's review queue (初审) until accepted (becoming a hazard)
    or dismissed."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    place = models.ForeignKey("campus.Place", verbose_name=_("场所"), on_delete=models.CASCADE,
                              related_name="public_reports")
    description = models.TextField(_("情况描述"))
    submitted_at = models.DateTimeField(_("提交时间"), auto_now_add=True)
    status = models.CharField(_("审核状态"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.PENDING)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("审核人"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    dismiss_reason = models.TextField(_("不予受理原因"), blank=True)
    hazard = models.OneToOneField(Hazard, verbose_name=_("登记的隐患"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="public_report")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("随手拍")
        verbose_name_plural = _("随手拍")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "submitted_at"], name="report_org_status_at")]

    def __str__(self):
        return self.description[:40]


class PublicReportPhoto(StoredPhoto, ScopedModel):
    """The one optional photo of a public report."""

    PHOTO_FOLDER = "reports"

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    report = models.OneToOneField(PublicReport, verbose_name=_("随手拍"), on_delete=models.CASCADE,
                                  related_name="photo")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("随手拍照片")
        verbose_name_plural = _("随手拍照片")


class Reminder(ScopedModel):
    """A reminder to a hazard's responsible person (整改提醒): the deadline is near, or passed. Made by
    the daily job once per hazard, person, kind and day; shown in the app until read, and e-mailed when
    the person's account has an address."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    hazard = models.ForeignKey(Hazard, verbose_name=_("隐患"), on_delete=models.CASCADE, related_name="reminders")
    person = models.ForeignKey("people.Person", verbose_name=_("提醒对象"), on_delete=models.CASCADE,
                               related_name="hazard_reminders")
    kind = models.CharField(_("提醒类型"), max_length=12, choices=ReminderKind.choices)
    on_date = models.DateField(_("提醒日期"))
    created_at = models.DateTimeField(_("生成时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("整改提醒")
        verbose_name_plural = _("整改提醒")
        ordering = ["-on_date", "-id"]
        constraints = [models.UniqueConstraint(fields=["hazard", "person", "kind", "on_date"],
                                               name="reminder_once_a_day")]
        indexes = [models.Index(fields=["person", "read_at"], name="reminder_person_unread")]
