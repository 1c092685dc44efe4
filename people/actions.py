"""Writes to people, posts and post holdings (audited through core.actions)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core.actions import create_object, update_object
from core.audit import Actor

from .models import Person, Post, PostHolding


def hold_post(actor: Actor, post: Post, person: Person, start: datetime.date,
              end: datetime.date | None = None) -> PostHolding:
    if person.organisation_id != post.organisation_id and not person.organisation.is_within(post.organisation):
        raise ValidationError({"person": _("任职人员必须属于本学校。")})
    return create_object(actor, PostHolding(organisation=post.organisation, post=post, person=person,
                                            start=start, end=end))


def end_post_holding(actor: Actor, holding: PostHolding, on: datetime.date) -> PostHolding:
    if on < holding.start:
        raise ValidationError({"end": _("结束日期不能早于开始日期（%(start)s）。") % {"start": holding.start}})
    return update_object(actor, holding, end=on)
