"""Web views of organisations, accounts, memberships and tokens."""

import pytest
from django.urls import reverse

from core.audit import Actor
from core.models import AuditAction, AuditEvent
from core.testing.personas import make_user
from core.testing.views import ViewCase, check_view
from orgs import actions
from orgs.models import ApiToken, Membership, Organisation, User
from orgs.roles import Role

pytestmark = pytest.mark.django_db

CASES = [
    ViewCase("orgs:organisation_list", refused=None),
    ViewCase("orgs:organisation_detail", args=lambda c: [c.division1.pk], refused=None),
    ViewCase("orgs:organisation_create"),
    ViewCase("orgs:organisation_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "name": "高年级部", "code": "t-upper", "kind": "division", "parent": c.school1.pk}),
    ViewCase("orgs:organisation_edit", args=lambda c: [c.division1.pk]),
    ViewCase("orgs:organisation_edit", args=lambda c: [c.division1.pk], method="post", writes=True, ok=(302,),
             data=lambda c: {"name": "一年级组", "code": c.division1.code, "kind": "division",
                             "parent": c.school1.pk}),
    ViewCase("orgs:user_list"),
    ViewCase("orgs:user_detail", args=lambda c: [c.bob.pk]),
    ViewCase("orgs:user_create"),
    ViewCase("orgs:user_create", method="post", writes=True, ok=(302,), data=lambda c: {
        "username": "newteacher", "name": "新老师", "organisation": c.division1.pk, "role": "grid_member",
        "password": "Campus#2026x", "phone": "", "email": ""}),
    ViewCase("orgs:user_edit", args=lambda c: [c.bob.pk]),
    ViewCase("orgs:user_edit", args=lambda c: [c.bob.pk], method="post", writes=True, ok=(302,),
             data=lambda c: {"name": "鲍老师", "phone": "13800000000", "email": "", "is_active": "on",
                             "language": "zh-hans"}),
    ViewCase("orgs:membership_add", args=lambda c: [c.bob.pk], method="post", writes=True, ok=(302,),
             data=lambda c: {"organisation": c.school1.pk, "role": "grid_leader"}),
    ViewCase("orgs:membership_remove", args=lambda c: [c.bob.memberships.get().pk], method="post",
             writes=True, ok=(302,)),
    ViewCase("home", refused=None),
    ViewCase("audit_list"),
    ViewCase("audit_export", writes=True),
    ViewCase("orgs:profile", refused=None),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method}-{c.name}")
def test_view_access_rules(cast, client, case):
    check_view(client, cast, case)


def test_created_account_must_change_its_password(cast, client_for):
    client_for(cast.alice).post(reverse("orgs:user_create"), {
        "username": "newteacher", "name": "新老师", "organisation": cast.division1.pk, "role": "grid_member",
        "password": "Campus#2026x"})
    user = User.objects.get(username="newteacher")
    assert user.must_change_password and user.memberships.get().organisation == cast.division1


def test_user_form_names_the_bad_field_in_chinese_and_saves_nothing(cast, client_for):
    response = client_for(cast.alice).post(reverse("orgs:user_create"), {
        "username": "weak", "name": "x", "organisation": cast.division1.pk, "role": "grid_member",
        "password": "short"})
    page = response.content.decode()
    assert response.status_code == 200 and "密码" in page and "至少" in page
    assert not User.objects.filter(username="weak").exists()


def test_organisation_choices_offer_only_the_users_subtree(cast, client_for):
    page = client_for(cast.alice).get(reverse("orgs:organisation_create")).content.decode()
    assert cast.school1.name in page and cast.school2.name not in page and cast.bureau.name not in page


def test_posting_a_sibling_school_as_parent_is_refused(cast, client_for):
    response = client_for(cast.alice).post(reverse("orgs:organisation_create"), {
        "name": "偷偷建的", "code": "t-sneaky", "kind": "division", "parent": cast.school2.pk})
    assert response.status_code == 200
    assert not Organisation.objects.filter(code="t-sneaky").exists()


def test_school_cannot_move_itself_out_of_its_subtree(cast, client_for):
    client_for(cast.alice).post(reverse("orgs:organisation_edit", args=[cast.school1.pk]), {
        "name": cast.school1.name, "code": cast.school1.code, "kind": "school", "parent": cast.bureau.pk})
    cast.school1.refresh_from_db()
    assert cast.school1.parent == cast.central


def test_one_cannot_remove_ones_own_membership(cast, client_for):
    membership = cast.alice.memberships.get()
    client_for(cast.alice).post(reverse("orgs:membership_remove", args=[membership.pk]))
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_user_list_query_count_does_not_grow_with_rows(cast, client_for, django_assert_max_num_queries):
    for i in range(25):
        make_user(f"teacher{i}", cast.division1, Role.GRID_MEMBER)
    client = client_for(cast.alice)
    client.get(reverse("orgs:user_list"))
    with django_assert_max_num_queries(10):
        page = client.get(reverse("orgs:user_list")).content.decode()
    assert "teacher24" in page


def test_organisation_list_query_count_does_not_grow_with_rows(cast, client_for, django_assert_max_num_queries):
    for i in range(25):
        actions.create_organisation(Actor(), name=f"组{i}", code=f"t-g{i}", kind="division", parent=cast.division1)
    client = client_for(cast.alice)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("orgs:organisation_list")).content.decode()
    assert "组24" in page and cast.school2.name not in page


def test_user_search_answers_htmx_with_the_results_fragment(cast, client_for):
    response = client_for(cast.alice).get(reverse("orgs:user_list"), {"q": "鲍"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "<html" not in body and "bob" in body and "leader1" not in body


def test_token_created_on_profile_is_shown_once_and_revocable(cast, client_for):
    client = client_for(cast.alice)
    page = client.post(reverse("orgs:profile"), {"name": "巡查App"}).content.decode()
    token = ApiToken.objects.get(user=cast.alice)
    assert token.prefix in page
    client.post(reverse("orgs:token_revoke", args=[token.pk]))
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert AuditEvent.objects.filter(action=AuditAction.TOKEN_REVOKE, object_id=str(token.pk)).exists()


def test_home_page_differs_by_role(cast, client_for):
    assert "所辖学校" in client_for(cast.bureau_admin).get("/").content.decode()
    assert "最近操作" in client_for(cast.alice).get("/").content.decode()
    member_page = client_for(cast.bob).get("/").content.decode()
    assert "我的工作台" in member_page and "最近操作" not in member_page


def test_navigation_shows_only_what_the_role_may_use(cast, client_for):
    member_page = client_for(cast.bob).get("/").content.decode()
    assert reverse("audit_list") not in member_page and reverse("orgs:user_list") not in member_page
    office_page = client_for(cast.alice).get("/").content.decode()
    assert reverse("audit_list") in office_page and reverse("orgs:user_list") in office_page


def test_the_home_pages_lead_to_the_hazards(cast, client_for):
    school = client_for(cast.alice).get("/").content.decode()
    assert "即将上线" not in school and reverse("hazards:hazard_list") + "?state=reported" in school
    bureau = client_for(cast.bureau_admin).get("/").content.decode()
    assert reverse("hazard_stats:statistics") in bureau and "level=bureau" in bureau


def test_admin_reset_forces_a_new_password(cast):
    actions.reset_password(Actor(user=cast.alice), cast.bob, "Temp#Pass2026")
    cast.bob.refresh_from_db()
    assert cast.bob.must_change_password


def test_safety_office_cannot_hand_out_a_higher_role(cast, client_for):
    client = client_for(cast.alice)
    client.post(reverse("orgs:membership_add", args=[cast.bob.pk]),
                {"organisation": cast.school1.pk, "role": "school_leader"})
    assert not cast.bob.memberships.filter(role="school_leader").exists()
    client.post(reverse("orgs:membership_add", args=[cast.bob.pk]),
                {"organisation": cast.school1.pk, "role": "grid_leader"})
    assert cast.bob.memberships.filter(role="grid_leader").exists()


def test_admin_reset_revokes_api_tokens(cast):
    token, _raw = actions.issue_token(Actor(user=cast.bob), cast.bob)
    actions.reset_password(Actor(user=cast.alice), cast.bob, "Temp#Pass2026")
    token.refresh_from_db()
    assert token.revoked_at is not None
