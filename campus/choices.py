from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class PlaceKind(models.TextChoices):
    BUILDING = "building", _("楼宇")
    OUTDOOR = "outdoor", _("室外区域")
    FLOOR = "floor", _("楼层")
    ROOM = "room", pgettext_lazy("place kind", "场所")


# Areas are the roots of a school's place tree; floors sit in buildings; rooms and zones sit on
# floors or directly in an area (a guard room at the gate, a zone of the playground).
ALLOWED_PARENT_KINDS = {
    PlaceKind.BUILDING: {None},
    PlaceKind.OUTDOOR: {None},
    PlaceKind.FLOOR: {PlaceKind.BUILDING},
    PlaceKind.ROOM: {PlaceKind.BUILDING, PlaceKind.OUTDOOR, PlaceKind.FLOOR},
}
AREA_KINDS = {PlaceKind.BUILDING, PlaceKind.OUTDOOR}
