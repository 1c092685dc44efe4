"""The signed-in user, their memberships and their person record in one query per request.

Every page needs all three: the user (Django's session check), the memberships (the tenancy scope,
`core.tenancy.memberships_of`) and, for a grid member, the person they are (`people.models.person_of`).
Django's `ModelBackend` loads the user alone; the other two then cost a query each. This backend loads
the memberships with their organisations, the user and the user's person joined, and leaves each where
the rest of the code looks for it, so nothing else changes. Authentication (the password check) is
Django's own.
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend

PATH = "orgs.backends.Backend"


class Backend(ModelBackend):
    def get_user(self, user_id):
        from core.tenancy import remember_memberships

        from .models import Membership, User

        memberships = list(Membership.objects.filter(user_id=user_id)
                           .select_related("user__person__organisation", "organisation"))
        if memberships:
            user = memberships[0].user
            for membership in memberships:
                membership.user = user  # one user object, as `user.memberships.all()` would give
            remember_memberships(user, memberships)
        else:
            try:
                user = User._default_manager.select_related("person__organisation").get(pk=user_id)
            except User.DoesNotExist:
                return None
            remember_memberships(user, [])
        return user if self.user_can_authenticate(user) else None
