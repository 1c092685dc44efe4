"""The organisation tree (纵向网格), user accounts, memberships and API tokens."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.tenancy import ScopedManager, ScopedModel, ScopedQuerySet, subtree_q

from .choices import ALLOWED_PARENT_KINDS, SCHOOL_KINDS, Language, OrgKind
from .roles import RANK, Role

code_validator = RegexValidator(r"^[a-z0-9][a-z0-9-]{1,39}$", _("编码只能包含小写字母、数字和短横线，2–40个字符。"))


class Organisation(Audited, ScopedModel):
    """A node of the organisation tree: bureau → central/direct school → school/kindergarten → division.

    `path` is the materialized path of primary keys ("/1/4/9/"): the subtree of a node is every
    row whose path starts with the node's path, which is the whole tenancy rule.
    """

    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编码"), max_length=40, unique=True, validators=[code_validator])
    kind = models.CharField(_("类型"), max_length=20, choices=OrgKind.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("上级组织"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("路径"), max_length=255, editable=False, db_index=True, default="")
    depth = models.PositiveSmallIntegerField(_("层级"), editable=False, default=0)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    is_boarding = models.BooleanField(_("寄宿制"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    objects = ScopedManager()
    scope_path = "path"

    class Meta:
        verbose_name = _("组织")
        verbose_name_plural = _("组织")
        ordering = ["path"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="org_name_unique_per_parent"),
            models.UniqueConstraint(
                fields=["name"], condition=Q(parent__isnull=True), name="org_root_name_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def audit_organisation(self):
        return self

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_KINDS

    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/") if part]

    def ancestors(self):
        """Root first, including self."""
        ids = self.ancestor_ids()
        by_id = {o.pk: o for o in Organisation.objects.filter(pk__in=ids)}
        return [by_id[i] for i in ids if i in by_id]

    def descendants(self, include_self=True):
        qs = Organisation.objects.filter(subtree_q("path", self.path))
        return qs if include_self else qs.exclude(pk=self.pk)

    def is_within(self, other: Organisation) -> bool:
        return self.path.startswith(other.path)

    def clean(self):
        super().clean()
        parent_kind = self.parent.kind if self.parent_id else None
        if self.kind in ALLOWED_PARENT_KINDS and parent_kind not in ALLOWED_PARENT_KINDS[self.kind]:
            raise ValidationError(
                {"parent": _("“%(kind)s”不能设在“%(parent)s”之下。")
                 % {"kind": OrgKind(self.kind).label,
                    "parent": OrgKind(parent_kind).label if parent_kind else _("顶层")}}
            )
        if self.pk and self.parent_id and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("上级组织不能是本组织或其下级组织。")})

    def save(self, *args, **kwargs):
        old_path = self.path
        super().save(*args, **kwargs)
        new_path = (self.parent.path if self.parent_id else "/") + f"{self.pk}/"
        if new_path != old_path:
            depth = new_path.count("/") - 2
            Organisation.objects.filter(pk=self.pk).update(path=new_path, depth=depth)
            if old_path:
                # Moved: rewrite the paths of the whole subtree in one pass.
                for child in Organisation.objects.filter(subtree_q("path", old_path)).exclude(pk=self.pk):
                    child_path = new_path + child.path[len(old_path):]
                    Organisation.objects.filter(pk=child.pk).update(
                        path=child_path, depth=child_path.count("/") - 2
                    )
            self.path, self.depth = new_path, depth


class ScopedUserQuerySet(ScopedQuerySet):
    pass


class SafeGridUserManager(UserManager.from_queryset(ScopedUserQuerySet)):
    pass


class User(Audited, AbstractUser):
    """A login. Sees the subtrees of its memberships; may later be linked to a Person."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    language = models.CharField(_("界面语言"), max_length=10, choices=Language.choices, default=Language.ZH_HANS)
    must_change_password = models.BooleanField(_("须修改密码"), default=False)
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)

    objects = SafeGridUserManager()
    audit_exclude = ("password", "last_login")

    class Meta:
        verbose_name = _("账户")
        verbose_name_plural = _("账户")
        ordering = ["username"]

    def __str__(self):
        return f"{self.name} ({self.username})" if self.name else self.username

    def get_full_name(self):
        return self.name or super().get_full_name()

    @classmethod
    def scope_q(cls, paths):
        # A user is visible where one of their memberships is.
        return Q(pk__in=Membership.objects.filter(Membership.scope_q(paths)).values("user_id"))

    def audit_organisation(self):
        membership = self.primary_membership()
        return membership.organisation if membership else None

    def primary_membership(self) -> Membership | None:
        """The highest-ranking membership: decides the home page and the organisation shown."""
        from core.tenancy import memberships_of

        memberships = memberships_of(self)
        if not memberships:
            return None
        return max(memberships, key=lambda m: (RANK[m.role], -m.organisation.depth))

    def has_capability(self, capability: str, organisation: Organisation | None = None) -> bool:
        from core.tenancy import visible_paths

        paths = visible_paths(self, capability)
        if organisation is None:
            return bool(paths)
        return any(organisation.path.startswith(p) for p in paths)


class Membership(Audited, ScopedModel):
    """A user's role at an organisation node; grants sight of that node's subtree."""

    user = models.ForeignKey(User, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("组织"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    objects = ScopedManager()

    class Meta:
        verbose_name = _("成员身份")
        verbose_name_plural = _("成员身份")
        ordering = ["organisation__path", "role"]
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique"),
        ]

    def __str__(self):
        return f"{self.user} @ {self.organisation}: {self.get_role_display()}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(ScopedQuerySet):
    def active(self, now=None):
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True, expires_at__gt=now)


class ApiToken(Audited, ScopedModel):
    """A bearer token for the JSON API. Only its hash is stored; the raw value is shown once."""

    user = models.ForeignKey(User, verbose_name=_("账户"), on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("前缀"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    expires_at = models.DateTimeField(_("过期时间"))
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)

    objects = models.Manager.from_queryset(ApiTokenQuerySet)()
    scope_path = "user__memberships__organisation__path"
    audit_exclude = ("key_hash", "last_used_at")

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.prefix}… ({self.user.username})"

    @classmethod
    def scope_q(cls, paths):
        return Q(user__in=User.objects.filter(User.scope_q(paths)))

    def audit_organisation(self):
        return self.user.audit_organisation()

    @classmethod
    def issue(cls, user, name="", now=None) -> tuple[ApiToken, str]:
        now = now or timezone.now()
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user, name=name, key_hash=_hash_token(raw), prefix=raw[:8], created_at=now,
            expires_at=now + datetime.timedelta(days=settings.API_TOKEN_DAYS),
        )
        return token, raw

    @classmethod
    def find_active(cls, raw: str) -> ApiToken | None:
        return cls.objects.active().select_related("user").filter(key_hash=_hash_token(raw)).first()
