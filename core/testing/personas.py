"""The fixed cast every test uses, across two sibling schools under one bureau.

bureau  示例区教育局 ─ central 中心校 ─┬─ school1 实验小学 ─ division1 低年级部
                                     └─ school2 第一中学 ─ division2 初中部
Personas: bureau_admin (bureau), alice (school1 safety office), bob (school1 grid member in
division1), leader1 (school1 leader), duty1 (school1 duty leader: sees the whole school, manages
nothing), charlie (school2 safety office, the sibling school's officer).
"""

from __future__ import annotations

import dataclasses

from core.audit import Actor
from orgs import actions
from orgs.choices import OrgKind
from orgs.models import Organisation, User
from orgs.roles import Role

PASSWORD = "Test@2026pw"


@dataclasses.dataclass
class Cast:
    bureau: Organisation
    central: Organisation
    school1: Organisation
    division1: Organisation
    school2: Organisation
    division2: Organisation
    bureau_admin: User
    alice: User
    bob: User
    leader1: User
    duty1: User
    charlie: User


def make_org(code: str, name: str, kind: str, parent: Organisation | None = None) -> Organisation:
    return actions.create_organisation(Actor.system(), code=code, name=name, kind=kind, parent=parent)


def make_user(username: str, organisation: Organisation, role: str, *, name: str = "",
              password: str = PASSWORD, must_change_password: bool = False) -> User:
    return actions.create_user(Actor.system(), username=username, password=password,
                               organisation=organisation, role=role, name=name or username,
                               must_change_password=must_change_password)


def make_cast() -> Cast:
    bureau = make_org("t-bureau", "测试区教育局", OrgKind.BUREAU)
    central = make_org("t-central", "测试镇中心学校", OrgKind.CENTRAL_SCHOOL, bureau)
    school1 = make_org("t-school-1", "测试实验小学", OrgKind.SCHOOL, central)
    division1 = make_org("t-school-1-div", "低年级部", OrgKind.DIVISION, school1)
    school2 = make_org("t-school-2", "测试第一中学", OrgKind.SCHOOL, central)
    division2 = make_org("t-school-2-div", "初中部", OrgKind.DIVISION, school2)
    return Cast(
        bureau=bureau, central=central, school1=school1, division1=division1,
        school2=school2, division2=division2,
        bureau_admin=make_user("bureau_admin", bureau, Role.BUREAU_ADMIN, name="王局"),
        alice=make_user("alice", school1, Role.SAFETY_OFFICE, name="艾丽"),
        bob=make_user("bob", division1, Role.GRID_MEMBER, name="鲍勃"),
        leader1=make_user("leader1", school1, Role.SCHOOL_LEADER, name="李校长"),
        duty1=make_user("duty1", school1, Role.DUTY_LEADER, name="杜值班"),
        charlie=make_user("charlie", school2, Role.SAFETY_OFFICE, name="查理"),
    )
