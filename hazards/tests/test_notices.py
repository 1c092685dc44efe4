"""Rectification notices: numbering per school and year (no duplicates under concurrency), checks,
acknowledgement and status following the hazards."""

import datetime
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.audit import Actor
from core.testing.school import make_school
from hazards import notices
from hazards.actions import report
from hazards.models import Hazard, RectificationNotice

D = datetime.date


def hazards_of(cast, school, n=2):
    return [report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=school.room101,
                                                  description=f"隐患{i}")) for i in range(n)]


@pytest.mark.django_db
def test_notices_are_numbered_per_school_and_year_and_printed_as_the_office_writes_them(cast):
    school = make_school(cast.school1)
    other = make_school(cast.school2)
    first = notices.issue(Actor(user=cast.alice), cast.school1, hazards_of(cast, school), deadline=D(2026, 12, 5),
                          requirements="立即更换", recipient_department="总务处")
    second = notices.issue(Actor(user=cast.alice), cast.school1, hazards_of(cast, school, 1), deadline=D(2026, 12, 5),
                           requirements="限期整改", recipient=school.li)
    elsewhere = notices.issue(Actor(user=cast.charlie), cast.school2, [report(Actor(), Hazard(
        organisation=cast.school2, place=other.room101, description="隐患"))], deadline=D(2026, 12, 5),
        requirements="整改", recipient_department="后勤")
    assert [(n.year, n.number) for n in (first, second, elsewhere)] == [(2026, 1), (2026, 2), (2026, 1)]
    assert str(first) == "〔2026〕第001号" and first.hazards.count() == 2


@pytest.mark.django_db
def test_a_notice_needs_open_hazards_of_one_school_a_recipient_and_requirements(cast):
    school = make_school(cast.school1)
    with pytest.raises(ValidationError, match="至少选择一项"):
        notices.issue(Actor(), cast.school1, [], deadline=D(2026, 12, 5), requirements="x", recipient_department="y")
    with pytest.raises(ValidationError, match="接收部门或接收人"):
        notices.issue(Actor(), cast.school1, hazards_of(cast, school), deadline=D(2026, 12, 5), requirements="x")
    closed = hazards_of(cast, school, 1)[0]
    Hazard.objects.filter(pk=closed.pk).update(state="closed")
    closed.refresh_from_db()
    with pytest.raises(ValidationError, match="已销号"):
        notices.issue(Actor(), cast.school1, [closed], deadline=D(2026, 12, 5), requirements="x",
                      recipient_department="y")
    assert not RectificationNotice.objects.exists()


@pytest.mark.django_db
def test_receipt_is_acknowledged_once_and_the_status_follows_the_hazards(cast):
    school = make_school(cast.school1)
    items = hazards_of(cast, school)
    notice = notices.issue(Actor(user=cast.alice), cast.school1, items, deadline=D(2026, 12, 5), requirements="x",
                           recipient=school.li)
    assert notices.status(notice) == "未签收"
    notices.acknowledge(Actor(user=cast.leader1), notice)
    first_time = notice.acknowledged_at
    notices.acknowledge(Actor(user=cast.alice), notice)
    assert (notice.acknowledged_by, notice.acknowledged_at) == (cast.leader1, first_time)
    assert notices.status(notice) == "已签收，整改中"
    Hazard.objects.filter(pk__in=[h.pk for h in items]).update(state="closed")
    assert notices.status(notice) == "已全部销号"


@pytest.mark.django_db(transaction=True)
def test_notices_issued_at_the_same_moment_never_share_a_number(cast):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (the SQLite test database is one in-memory connection)")
    school = make_school(cast.school1)
    batches = [hazards_of(cast, school, 1) for _ in range(8)]
    barrier = threading.Barrier(len(batches))
    errors = []

    def issue(batch):
        from django.db import connections

        try:
            barrier.wait()
            notices.issue(Actor(user=cast.alice), cast.school1, batch, deadline=D(2026, 12, 5), requirements="x",
                          recipient_department="总务处")
        except Exception as error:  # noqa: BLE001 — reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(RectificationNotice.objects.values_list("number", flat=True)) == list(range(1, 9))
