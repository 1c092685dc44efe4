"""Fixtures of the hazard tests: a school whose people have accounts of their roles."""

import pytest

from core.actions import update_object
from core.audit import Actor
from core.testing.personas import make_user
from core.testing.school import make_school
from orgs.roles import Role


class People:
    pass


@pytest.fixture
def school(cast):
    school = make_school(cast.school1)
    school.users = People()
    for attr, person, role in (("wang", school.wang, Role.GRID_MEMBER), ("li", school.li, Role.GRID_LEADER),
                               ("zhao", school.zhao, Role.GRID_MEMBER)):
        user = make_user(f"u_{attr}", cast.school1, role, name=person.name)
        update_object(Actor(), person, user=user)
        setattr(school.users, attr, user)
    school.users.alice, school.users.admin = cast.alice, cast.bureau_admin
    return school
