"""The physical campus: areas (buildings, outdoor areas) → floors → places (rooms, zones)."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.audit import Audited
from core.tenancy import ScopedManager, ScopedModel

from .choices import ALLOWED_PARENT_KINDS, PlaceKind


def new_qr_token() -> str:
    return secrets.token_urlsafe(16)


class Place(Audited, ScopedModel):
    """A place of a school's campus (场所): a building or outdoor area, a floor, or a room/zone.

    `code` is stable (printed on plates and used by imports); `qr_token` is random and unguessable,
    for the QR plate a patrol scans.
    """

    organisation = models.ForeignKey("orgs.Organisation", verbose_name=_("学校"), on_delete=models.PROTECT,
                                     related_name="places")
    parent = models.ForeignKey("self", verbose_name=_("上级场所"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    kind = models.CharField(_("层次"), max_length=10, choices=PlaceKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编码"), max_length=40)
    place_type = models.CharField(_("类型"), max_length=40, blank=True, help_text=_("如：教室、实验室、宿舍、配电房"))
    is_key_location = models.BooleanField(_("重点部位"), default=False)
    is_major_hazard = models.BooleanField(_("重大危险源"), default=False)
    qr_token = models.CharField(_("二维码令牌"), max_length=32, unique=True, default=new_qr_token, editable=False)
    notes = models.TextField(_("备注"), blank=True)

    objects = ScopedManager()
    audit_exclude = ("qr_token",)

    class Meta:
        verbose_name = _("场所")
        verbose_name_plural = _("场所")
        ordering = ["organisation", "code"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "code"], name="place_code_unique_per_school"),
            models.UniqueConstraint(fields=["organisation", "parent", "name"], name="place_name_unique_per_parent"),
            models.UniqueConstraint(fields=["organisation", "name"], condition=Q(parent__isnull=True),
                                    name="area_name_unique_per_school"),
        ]
        indexes = [models.Index(fields=["organisation", "is_key_location"], name="place_key_location")]

    def __str__(self):
        return self.full_name

    @property
    def full_name(self) -> str:
        """区域/楼层/场所, as people write it."""
        names, node = [], self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return "/".join(reversed(names))

    def clean(self):
        super().clean()
        parent_kind = self.parent.kind if self.parent_id else None
        if self.kind in ALLOWED_PARENT_KINDS and parent_kind not in ALLOWED_PARENT_KINDS[self.kind]:
            raise ValidationError({"parent": _("“%(kind)s”不能设在“%(parent)s”之下。") % {
                "kind": PlaceKind(self.kind).label,
                "parent": PlaceKind(parent_kind).label if parent_kind else _("顶层")}})
        if self.parent_id and self.parent.organisation_id != self.organisation_id:
            raise ValidationError({"parent": _("上级场所必须属于同一学校。")})
