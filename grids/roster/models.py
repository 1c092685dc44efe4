"""Uploads of the roster workbook (网格责任清单导入) and their progress.

Django loads models from an app's `models` module only: grids/models.py imports this one
(`from .roster.models import RosterImport  # noqa: F401`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.tenancy import ScopedManager, ScopedModel


class RosterImportStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    CHECKING = "checking", _("校验中")
    INVALID = "invalid", _("有错误")
    READY = "ready", _("待确认")
    APPLYING = "applying", _("导入中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


RUNNING = {RosterImportStatus.QUEUED, RosterImportStatus.CHECKING, RosterImportStatus.APPLYING}


class RosterImport(ScopedModel):
    """One upload of a school's roster workbook: checked in the background into the list of
    differences (or of errors), confirmed by a person, then applied in the background.

    The file is kept in the row, so any worker can read it, until the import is done or refused.
    Progress is counted in steps of the plan. Not itself audited: the import's writes are.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("上传时间"), default=timezone.now)
    filename = models.CharField(_("文件名"), max_length=200)
    content = models.BinaryField(_("文件内容"), blank=True)
    import_date = models.DateField(_("导入日期"), help_text=_("新责任分工从这一天开始；未列出的在前一天结束。"))
    status = models.CharField(_("状态"), max_length=10, choices=RosterImportStatus.choices,
                              default=RosterImportStatus.QUEUED)
    prune = models.BooleanField(_("结束未列出的项目"), default=False)
    progress_done = models.PositiveIntegerField(_("已完成步骤"), default=0)
    progress_total = models.PositiveIntegerField(_("总步骤"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    changes = models.JSONField(_("差异"), default=list, blank=True)
    counts = models.JSONField(_("统计"), default=dict, blank=True)
    fingerprint = models.CharField(_("差异指纹"), max_length=64, blank=True)
    message = models.TextField(_("说明"), blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("确认人"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    confirmed_ip = models.GenericIPAddressField(_("确认IP"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ScopedManager()

    class Meta:
        app_label = "grids"
        verbose_name = _("网格责任清单导入")
        verbose_name_plural = _("网格责任清单导入")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organisation", "created_at"], name="roster_import_org_created")]

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def is_running(self) -> bool:
        return self.status in RUNNING

    @property
    def percent(self) -> int:
        return int(100 * self.progress_done / self.progress_total) if self.progress_total else 0
