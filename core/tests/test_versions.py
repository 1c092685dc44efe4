"""Data versions: moved inside the writer's transaction, once per deferred bulk write, never by a rollback;
an organisation's key carries its ancestors' versions."""

import pytest
from django.db import transaction

from core import versions
from core.models import DataVersion

pytestmark = pytest.mark.django_db


def test_a_change_moves_the_version_at_once_and_a_rolled_back_one_does_not(cast):
    school = cast.school1
    assert versions.current(school.pk) == 0
    versions.changed(school.pk)
    versions.changed(school.pk)
    assert versions.current(school.pk) == 2
    with pytest.raises(RuntimeError), transaction.atomic():
        versions.changed(school.pk)
        assert versions.current(school.pk) == 3  # the writer sees its own change
        raise RuntimeError
    assert versions.current(school.pk) == 2
    assert versions.current(cast.school2.pk) == 0  # a sibling is untouched
    rows = DataVersion.objects.count()
    versions.changed(None)  # rows without an organisation change nothing
    assert DataVersion.objects.count() == rows


def test_deferred_moves_each_changed_counter_once_at_the_end(cast):
    with transaction.atomic(), versions.deferred():
        for _ in range(500):
            versions.changed(cast.school1.pk)
        versions.changed(cast.school2.pk, "other")
        with versions.deferred():  # nested: the outer one counts
            versions.changed(cast.school1.pk)
        assert versions.current(cast.school1.pk) == 0
    assert versions.current(cast.school1.pk) == 1
    assert versions.current(cast.school2.pk, "other") == 1
    assert versions.current(cast.school2.pk) == 0


def test_deferred_counts_nothing_when_the_write_fails(cast):
    with pytest.raises(ValueError), versions.deferred():
        versions.changed(cast.school1.pk)
        raise ValueError
    assert versions.current(cast.school1.pk) == 0
    versions.changed(cast.school1.pk)  # and the next change counts again at once
    assert versions.current(cast.school1.pk) == 1


def test_an_organisations_key_holds_its_ancestors_versions(cast):
    before = versions.current_for(cast.school1)
    assert [pk for pk, _ in before] == [int(p) for p in cast.school1.path.strip("/").split("/")]
    versions.changed(cast.bureau.pk)  # a bureau-wide change (a shared checklist) reaches its schools
    assert versions.current_for(cast.school1) != before
    sibling = versions.current_for(cast.school2)
    versions.changed(cast.school1.pk)
    assert versions.current_for(cast.school2) == sibling
