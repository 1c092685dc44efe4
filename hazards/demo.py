"""Demo hazards: the hazards the demo inspections raised, taken through the workflow as a school would
(most older ones closed, some in rectification, some overdue, the newest waiting), a public report waiting
for review, and a rectification notice. Deterministic per hazard; a second run changes nothing."""

from __future__ import annotations

import datetime
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from campus.models import Place
from core.audit import Actor
from orgs.models import User
from people.models import Person

from . import notices, workflow
from .actions import add_photos
from .choices import PhotoKind, ReportStatus, State
from .models import Hazard, PublicReport, RectificationNotice

MEASURES = "立即整改，整改前设置警示标识并安排专人看守"


def _photo(name: str, colour: tuple[int, int, int]) -> SimpleUploadedFile:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 360), colour)
    ImageDraw.Draw(image).rectangle((40, 40, 440, 320), outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def _users(school) -> tuple[Actor, Actor, Person] | None:
    number = school.code.rsplit("-", 1)[-1]
    safety = User.objects.filter(username=f"school{number}_safety").first()
    leader = User.objects.filter(username=f"school{number}_leader").first()
    member = User.objects.filter(username=f"school{number}_member").select_related("person").first()
    if not (safety and leader and member and hasattr(member, "person")):
        return None
    return Actor(user=safety), Actor(user=leader), member.person


def progress(school, today: datetime.date) -> int:
    """Take the demo's untouched hazards (found before today) through the workflow, by age so every school
    shows every state whatever its ids: the newest waits (and is flagged left overnight by the daily job),
    the next two are being rectified, the next one is past its deadline, the next awaits verification,
    and the older ones are closed."""
    people = _users(school)
    if people is None:
        return 0
    safety, leader, responsible = people
    untouched = list(Hazard.objects.filter(organisation=school, state=State.REPORTED, version=1,
                                           found_at__date__lt=today).order_by("-found_at", "description"))
    if RectificationNotice.objects.filter(organisation=school).exists():
        return 0  # taken through once already: what is still untouched was left waiting on purpose
    extra = {"measures": MEASURES, "funds": "学校公用经费", "contingency_plan": "设置警戒区域，暂停使用"}
    changed = 0
    for age, hazard in enumerate(untouched):
        if age == 0:
            continue  # left waiting: the daily job flags it (隐患不过夜)
        found = timezone.localtime(hazard.found_at).date()
        deadline = today - datetime.timedelta(days=1) if age == 3 else max(today, found) + datetime.timedelta(days=3)
        hazard = workflow.assign(safety, hazard, hazard.version, responsible=responsible, deadline=deadline, **extra)
        changed += 1
        if age <= 3:
            continue  # being rectified (the third one past its deadline)
        hazard = add_photos(safety, hazard, [(_photo("整改后.jpg", (60, 140, 80)), PhotoKind.AFTER)],
                            lambda h=hazard: workflow.submit_fix(safety, h, h.version, note="已按要求整改到位"))
        if age == 4:
            continue  # waiting for verification
        workflow.verify(leader, hazard, hazard.version)
    return changed


def public_report(school) -> int:
    if PublicReport.objects.filter(organisation=school).exists():
        return 0
    places = Place.objects.filter(organisation=school).order_by("-is_key_location", "code")
    place = places.first()
    if place is None:
        return 0
    PublicReport.objects.create(organisation=school, place=place, status=ReportStatus.PENDING,
                                description="（演示）楼梯口的应急照明灯不亮了，晚上很黑。")
    return 1


def notice(school, today: datetime.date) -> int:
    if RectificationNotice.objects.filter(organisation=school).exists():
        return 0
    people = _users(school)
    open_hazards = list(Hazard.objects.filter(organisation=school, state=State.RECTIFYING).order_by("pk")[:3])
    if people is None or not open_hazards:
        return 0
    safety, _leader, responsible = people
    notices.issue(safety, school, open_hazards, deadline=today + datetime.timedelta(days=3),
                  requirements="请按五落实要求限期整改，整改完成后上传整改照片并报安全办验收。",
                  recipient_department=responsible.department or "总务处")
    return 1


def load(actor: Actor, schools, today: datetime.date | None = None) -> int:
    """All demo schools first, then the daily job once (it flags what is still untouched)."""
    today = today or timezone.localdate()
    created = sum(progress(school, today) + public_report(school) + notice(school, today) for school in schools)
    workflow.daily(today)
    return created
