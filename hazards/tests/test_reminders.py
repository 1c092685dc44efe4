"""Reminders before (and just after) a hazard's deadline: the right days, once, in the app and by e-mail."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command

from core.actions import update_object
from core.audit import Actor
from hazards import workflow
from hazards.actions import report
from hazards.models import Hazard, Reminder
from hazards.reminders import send_reminders

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def assigned(cast, school):
    hazard = report(Actor(user=cast.alice), Hazard(organisation=cast.school1, place=school.room101,
                                                   description="配电箱未上锁", topic="electricity"))
    return workflow.assign(Actor(user=cast.alice), hazard, 1, responsible=school.wang, deadline=D(2026, 12, 10))


def kinds() -> list[tuple[str, str]]:
    return sorted((r.on_date.isoformat(), r.kind) for r in Reminder.objects.all())


def test_reminders_come_three_days_and_one_day_before_on_the_day_and_the_day_after(cast, school, assigned):
    update_object(Actor(), school.users.wang, email="wang@example.cn")
    for day in range(1, 16):
        send_reminders(D(2026, 12, day))
    assert kinds() == [("2026-12-07", "due_soon"), ("2026-12-09", "due_soon"), ("2026-12-10", "due_today"),
                       ("2026-12-11", "overdue")]
    assert {r.person for r in Reminder.objects.all()} == {school.wang}
    assert len(mail.outbox) == 4 and mail.outbox[0].to == ["wang@example.cn"]
    assert "配电箱未上锁" in mail.outbox[0].subject and f"/hazards/{assigned.pk}/" in mail.outbox[0].body


def test_a_second_run_adds_nothing_and_fixed_hazards_are_not_reminded(cast, school, assigned):
    assert send_reminders(D(2026, 12, 9)) == 1
    assert send_reminders(D(2026, 12, 9)) == 0 and Reminder.objects.count() == 1
    Hazard.objects.filter(pk=assigned.pk).update(state="awaiting")
    assert send_reminders(D(2026, 12, 10)) == 0
    assert not mail.outbox  # no address on the account: the reminder stays in the app


def test_the_daily_command_sends_reminders(cast, school, assigned, capsys):
    call_command("hazards_daily", "--date", "2026-12-07")
    assert "reminders: 1" in capsys.readouterr().out and kinds() == [("2026-12-07", "due_soon")]


def test_the_home_pages_show_open_hazards_and_my_reminders(client_for, cast, school, assigned):
    from django.urls import reverse

    send_reminders(D(2026, 12, 9))
    school_home = client_for(cast.alice).get(reverse("home")).content.decode()
    assert "隐患整改" in school_home and "?state=rectifying" in school_home
    member_home = client_for(school.users.wang).get(reverse("home")).content.decode()
    assert "待我整改 1 项" in member_home and "1 条整改提醒" in member_home
