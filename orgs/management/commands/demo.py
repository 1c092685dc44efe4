"""Load the demo organisation tree, one account per role and the example roster in two schools.

Idempotent: a second run changes nothing.
"""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core.audit import Actor
from orgs import actions
from orgs.choices import OrgKind
from orgs.models import Membership, Organisation, User
from orgs.roles import Role

# (code, name, kind, parent code)
ORGANISATIONS = [
    ("demo-bureau", "示例区教育局", OrgKind.BUREAU, None),
    ("demo-central", "示例区城关镇中心学校", OrgKind.CENTRAL_SCHOOL, "demo-bureau"),
    ("demo-school-1", "示例区实验小学", OrgKind.SCHOOL, "demo-central"),
    ("demo-school-1-lower", "实验小学低年级部", OrgKind.DIVISION, "demo-school-1"),
    ("demo-school-1-upper", "实验小学高年级部", OrgKind.DIVISION, "demo-school-1"),
    ("demo-school-2", "示例区第一中学", OrgKind.SCHOOL, "demo-central"),
    ("demo-school-2-junior", "第一中学初中部", OrgKind.DIVISION, "demo-school-2"),
    ("demo-school-2-senior", "第一中学高中部", OrgKind.DIVISION, "demo-school-2"),
    ("demo-school-3", "示例区阳光幼儿园", OrgKind.KINDERGARTEN, "demo-central"),
]

# Schools given the example roster workbook (static/roster/网格责任清单-示例.xlsx); demo-school-3 stays empty.
ROSTER_SCHOOLS = ["demo-school-1", "demo-school-2"]

# (username, name, organisation code, role). Grid staff belong to the school node, where the
# school's grids are; the divisions show the tree's depth.
USERS = [
    ("bureau_admin", "王建国", "demo-bureau", Role.BUREAU_ADMIN),
    ("school1_leader", "李校长", "demo-school-1", Role.SCHOOL_LEADER),
    ("school1_safety", "张安全", "demo-school-1", Role.SAFETY_OFFICE),
    ("school1_duty", "赵值班", "demo-school-1", Role.DUTY_LEADER),
    ("school1_gridlead", "陈楼长", "demo-school-1", Role.GRID_LEADER),
    ("school1_member", "刘老师", "demo-school-1", Role.GRID_MEMBER),
    ("school2_leader", "周校长", "demo-school-2", Role.SCHOOL_LEADER),
    ("school2_safety", "吴安全", "demo-school-2", Role.SAFETY_OFFICE),
    ("school2_duty", "郑值班", "demo-school-2", Role.DUTY_LEADER),
    ("school2_gridlead", "孙楼长", "demo-school-2", Role.GRID_LEADER),
    ("school2_member", "钱老师", "demo-school-2", Role.GRID_MEMBER),
]


class Command(BaseCommand):
    help = "Load SafeGrid's demo data (idempotent). Password: $DEMO_PASSWORD or Demo@2026."

    def handle(self, *args, **options):
        password = os.environ.get("DEMO_PASSWORD") or "Demo@2026"
        created = load_demo(password)
        self.stdout.write(f"demo data: {created} new rows")
        shown = "from DEMO_PASSWORD" if os.environ.get("DEMO_PASSWORD") else password
        self.stdout.write(f"demo logins (password {shown}):")
        for username, name, code, role in USERS:
            self.stdout.write(f"  {username:<18} {name}  {Role(role).label} @ {code}")


@transaction.atomic
def load_demo(password: str) -> int:
    actor = Actor.system()
    created = 0
    by_code = {}
    for code, name, kind, parent_code in ORGANISATIONS:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            organisation = actions.create_organisation(
                actor, code=code, name=name, kind=kind, parent=by_code.get(parent_code)
            )
            created += 1
        by_code[code] = organisation
    for username, name, code, role in USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            actions.create_user(actor, username=username, password=password, organisation=by_code[code],
                                role=role, name=name, must_change_password=False)
            created += 1
        elif not Membership.objects.filter(user=user, organisation=by_code[code], role=role).exists():
            actions.add_membership(actor, user, by_code[code], role)
            created += 1
    created += load_rosters(actor, by_code)
    created += link_people(actor)
    created += load_inspections(actor, by_code)
    created += load_hazards(actor, by_code)
    return created


def load_inspections(actor, by_code) -> int:
    """Calendar, standard checklists, schedules and a few days of inspections in the roster schools."""
    from inspections import demo

    return sum(demo.load(actor, by_code[code]) for code in ROSTER_SCHOOLS)


def load_hazards(actor, by_code) -> int:
    """The inspections' hazards taken through rectification, a public report and a notice."""
    from hazards import demo

    return demo.load(actor, [by_code[code] for code in ROSTER_SCHOOLS])


# Demo accounts linked to a person of the example roster by the role that person holds, so that
# "我负责的网格" on their home page shows real grids.
LINKS = [
    ("school1_member", "demo-school-1", "head_teacher"), ("school1_gridlead", "demo-school-1", "building_head"),
    ("school2_member", "demo-school-2", "head_teacher"), ("school2_gridlead", "demo-school-2", "building_head"),
]


def link_people(actor) -> int:
    from core.actions import update_object
    from grids.models import Assignment

    linked = 0
    for username, code, role in LINKS:
        user = User.objects.get(username=username)
        if hasattr(user, "person"):
            continue
        assignment = (Assignment.objects.filter(organisation__code=code, role=role, person__user__isnull=True)
                      .select_related("person").order_by("grid__name", "pk").first())
        if assignment is not None:
            update_object(actor, assignment.person, user=user)
            linked += 1
    return linked


def load_rosters(actor, by_code) -> int:
    """Import the example roster into the demo schools; a second run finds no differences."""
    from grids.roster import apply, examples

    changes = 0
    for code in ROSTER_SCHOOLS:
        plan, counts = apply.import_roster(examples.example_bytes(), by_code[code], today=timezone.localdate(),
                                           actor=actor, description="演示数据：网格责任清单示例")
        if plan.errors:
            raise CommandError("the example roster does not import: " + "; ".join(str(e) for e in plan.errors))
        changes += sum(counts.values())
    return changes
