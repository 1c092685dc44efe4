"""The organisation tree: paths, kinds, names unique per parent, no cycles, moves."""

import pytest
from django.core.exceptions import ValidationError

from core.audit import Actor
from core.tenancy import visible_paths
from orgs import actions
from orgs.choices import OrgKind
from orgs.models import Organisation

pytestmark = pytest.mark.django_db


def test_paths_follow_the_tree(cast):
    assert cast.division1.path == f"{cast.school1.path}{cast.division1.pk}/"
    assert cast.division1.depth == 3
    assert [o.code for o in cast.division1.ancestors()] == ["t-bureau", "t-central", "t-school-1", "t-school-1-div"]


def test_names_are_unique_per_parent(cast):
    with pytest.raises(ValidationError):
        actions.create_organisation(Actor(), name="低年级部", code="t-dup", kind=OrgKind.DIVISION, parent=cast.school1)
    # The same name under another parent is fine.
    actions.create_organisation(Actor(), name="低年级部", code="t-dup2", kind=OrgKind.DIVISION, parent=cast.school2)


def test_codes_are_unique(cast):
    with pytest.raises(ValidationError):
        actions.create_organisation(Actor(), name="别的", code="t-school-1", kind=OrgKind.DIVISION,
                                    parent=cast.school2)


def test_a_school_cannot_sit_under_a_division(cast):
    with pytest.raises(ValidationError) as info:
        actions.create_organisation(Actor(), name="错位学校", code="t-bad", kind=OrgKind.SCHOOL, parent=cast.division1)
    assert "不能设在" in str(info.value)


def test_divisions_nest_to_any_depth(cast):
    parent = cast.division1
    for i in range(4):
        parent = actions.create_organisation(Actor(), name=f"组{i}", code=f"t-n{i}", kind=OrgKind.DIVISION,
                                             parent=parent)
    assert parent.depth == 7


def test_a_node_cannot_move_under_its_own_descendant(cast):
    with pytest.raises(ValidationError):
        actions.update_organisation(Actor(), cast.central, parent=cast.school1)


def test_moving_a_node_moves_its_subtree(cast):
    other = actions.create_organisation(Actor(), name="第二中心校", code="t-central-2",
                                        kind=OrgKind.CENTRAL_SCHOOL, parent=cast.bureau)
    actions.update_organisation(Actor(), cast.school1, parent=other)
    cast.division1.refresh_from_db()
    assert cast.division1.path.startswith(other.path) and cast.division1.depth == 3


def test_a_user_sees_exactly_the_subtrees_of_their_memberships(cast):
    actions.add_membership(Actor(), cast.bob, cast.division2, "grid_member")
    assert visible_paths(cast.bob) == sorted([cast.division1.path, cast.division2.path])
    seen = set(Organisation.objects.for_user(cast.bob).values_list("code", flat=True))
    assert seen == {"t-school-1-div", "t-school-2-div"}


def test_bureau_admin_sees_every_school_below(cast):
    assert Organisation.objects.for_user(cast.bureau_admin).count() == 6
    assert Organisation.objects.for_user(cast.alice).count() == 2
