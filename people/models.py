"""People of a school (人员), the posts they hold (岗位) and classes (班级)."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.periods import Period, PeriodManager, end_after_start
from core.tenancy import ScopedManager, ScopedModel

from .choices import PersonCategory, PersonStatus


def mask_phone(phone: str) -> str:
    """138****5678: the middle digits hidden for everyone but the safety office."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


class Person(Audited, ScopedModel):
    """Someone of a school: staff, temporary worker, student. Not a login (may be linked to one)."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="people")
    name = models.CharField(_("姓名"), max_length=50)
    staff_no = models.CharField(_("工号"), max_length=30, blank=True)
    category = models.CharField(_("类别"), max_length=30, choices=PersonCategory.choices)
    department = models.CharField(_("部门"), max_length=60, blank=True)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    phone = models.CharField(_("手机"), max_length=20, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=PersonStatus.choices, default=PersonStatus.ACTIVE)
    left_on = models.DateField(_("离职/毕业日期"), null=True, blank=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("登录账户"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="person")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        ordering = ["organisation", "name", "staff_no"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "staff_no"], condition=~Q(staff_no=""),
                                    name="person_staff_no_unique_per_school"),
        ]
        indexes = [models.Index(fields=["organisation", "status", "category"], name="person_status_category"),
                   # A bureau's people list (most rows) in its order: the first page without sorting them all.
                   models.Index(fields=["name", "staff_no"], name="person_name_staff_no")]

    def __str__(self):
        return f"{self.name}（{self.staff_no}）" if self.staff_no else self.name

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone) if self.phone else ""

    def is_present_on(self, day: datetime.date) -> bool:
        """Still at the school on that day (a leaver is gone from the day after leaving)."""
        if self.status == PersonStatus.ACTIVE:
            return True
        return self.left_on is not None and day <= self.left_on

    def clean(self):
        super().clean()
        if self.status != PersonStatus.ACTIVE and self.left_on is None:
            raise ValidationError({"left_on": _("离职或毕业的人员须填写日期。")})


class Post(Audited, ScopedModel):
    """A named duty held by several people (保洁人员, 保安, 宿管). Responsible for a grid, its
    current holders are."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="posts")
    name = models.CharField(_("岗位名称"), max_length=60)
    description = models.TextField(_("岗位职责"), blank=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="post_name_unique_per_school")]

    def __str__(self):
        return self.name


class PostHolding(Audited, Period, ScopedModel):
    """A person holds a post from `start` to `end` (inclusive; open-ended when empty)."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    post = models.ForeignKey(Post, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="holdings")
    person = models.ForeignKey(Person, verbose_name=_("人员"), on_delete=models.CASCADE, related_name="post_holdings")
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    objects = PeriodManager()

    class Meta:
        verbose_name = _("岗位任职")
        verbose_name_plural = _("岗位任职")
        ordering = ["post", "start"]
        constraints = [
            models.CheckConstraint(condition=end_after_start(), name="post_holding_end_after_start"),
        ]

    def __str__(self):
        return f"{self.person} · {self.post}"


class SchoolClass(Audited, ScopedModel):
    """A class (班级): grade, class and classroom. Its head teacher (班主任) and monitor (班长) are
    the assignments of its class grid, so a handover there is the one place they change."""

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="classes")
    grade = models.CharField(_("年级"), max_length=20)
    name = models.CharField(_("班级"), max_length=30)
    classroom = models.ForeignKey("campus.Place", verbose_name=_("教室"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="classes")

    objects = ScopedManager()

    class Meta:
        verbose_name = _("班级")
        verbose_name_plural = _("班级")
        ordering = ["organisation", "grade", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "grade", "name"], name="class_unique_per_school"),
        ]

    def __str__(self):
        return f"{self.grade}{self.name}"


def person_of(user):
    """The Person linked to a login (or None): how an account answers for grids, hazards and notices."""
    return getattr(user, "person", None)
