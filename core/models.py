"""Cross-cutting models: the audit log."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .tenancy import ScopedModel, ScopedQuerySet


class AuditAction(models.TextChoices):
    CREATE = "create", _("新增")
    UPDATE = "update", _("修改")
    DELETE = "delete", _("删除")
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOCKED_OUT = "locked_out", _("账户锁定")
    LOGOUT = "logout", _("退出")
    EXPORT = "export", _("导出数据")
    IMPORT = "import", _("导入数据")
    PASSWORD_CHANGE = "password_change", _("修改密码")
    TOKEN_CREATE = "token_create", _("创建接口令牌")
    TOKEN_REVOKE = "token_revoke", _("吊销接口令牌")


class AppendOnlyQuerySet(ScopedQuerySet):
    """The audit log is never edited: bulk update and delete are refused."""

    def update(self, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    def delete(self):
        raise PermissionDenied("The audit log is append-only; use AuditEvent.prune().")


class AuditEventManager(models.Manager.from_queryset(AppendOnlyQuerySet)):
    pass


class AuditEvent(ScopedModel):
    """One entry of the operation log (操作日志): who did what to which object, when and from where.

    Append-only. The actor's name and the organisation path are copied so the entry still reads
    right after the user or the organisation is renamed, moved or removed.
    """

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    actor_name = models.CharField(_("操作人姓名"), max_length=150, blank=True)
    organisation = models.ForeignKey(
        "orgs.Organisation", verbose_name=_("组织"), null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    org_path = models.CharField(_("组织路径"), max_length=255, blank=True, db_index=True)
    action = models.CharField(_("操作"), max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    object_repr = models.CharField(_("对象"), max_length=255, blank=True)
    changes = models.JSONField(_("变更内容"), default=dict, blank=True)
    ip = models.GenericIPAddressField(_("客户端IP"), null=True, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=32, blank=True)

    objects = AuditEventManager()
    scope_path = "org_path"

    class Meta:
        verbose_name = _("操作日志")
        verbose_name_plural = _("操作日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["org_path", "at"], name="audit_org_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_action_display()} {self.object_repr}"

    @property
    def actor_label(self) -> str:
        """The actor as shown: commands and background tasks read as 系统 (stored language-neutral)."""
        return str(_("系统")) if self.actor_id is None and self.actor_name == "system" else self.actor_name

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise PermissionDenied("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionDenied("The audit log is append-only.")

    @classmethod
    def prune(cls, before) -> int:
        """Remove entries older than `before`: the retention sweep, the only deletion there is."""
        qs = models.QuerySet(cls).filter(at__lt=before)
        return qs._raw_delete(qs.db)


class DataVersion(models.Model):
    """A counter per organisation and topic that moves on after every committed change of what the topic
    covers (`core.versions`): caches of derived figures are keyed by it, so they are exact across processes
    and app servers whatever Django's cache backend is. Bookkeeping only: never shown, never audited."""

    organisation = models.ForeignKey("orgs.Organisation", on_delete=models.CASCADE, related_name="+")
    topic = models.CharField(max_length=30)
    value = models.BigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "topic"], name="data_version_unique")]

    def __str__(self):
        return f"{self.organisation_id}/{self.topic}: {self.value}"
