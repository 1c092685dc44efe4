"""Home pages, one per role. Panels for features not built yet say so; no figure here is made up."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.shortcuts import render
from django.utils import timezone

from core import access
from core.models import AuditAction, AuditEvent
from orgs.models import Membership, Organisation
from orgs.roles import Capability, Role

# Home page variant by the user's highest role.
HOME_TEMPLATES = {
    Role.BUREAU_ADMIN: "dashboards/home_bureau.html",
    Role.SCHOOL_LEADER: "dashboards/home_school.html",
    Role.SAFETY_OFFICE: "dashboards/home_school.html",
    Role.DUTY_LEADER: "dashboards/home_member.html",
    Role.GRID_LEADER: "dashboards/home_member.html",
    Role.GRID_MEMBER: "dashboards/home_member.html",
}


def my_assignments(user):
    """What the signed-in person answers for today: their own assignments and their posts'."""
    from django.db.models import Q

    from grids.models import Assignment
    from people.models import PostHolding

    person = getattr(user, "person", None)
    if person is None:
        return []
    today = timezone.localdate()
    posts = PostHolding.objects.filter(person=person).active_on(today).values("post_id")
    return list(access.scoped(user, Assignment).active_on(today).filter(Q(person=person) | Q(post__in=posts))
                .select_related("grid", "post").order_by("grid__level", "grid__name"))


@login_required
def home(request):
    user = request.user
    membership = user.primary_membership()
    context = {"membership": membership}
    if membership is None:
        return render(request, "dashboards/home_none.html", context)
    organisations = access.scoped(user, Organisation)
    context["org_counts"] = organisations.aggregate(
        total=Count("id"),
        schools=Count("id", filter=Q(kind__in=["central_school", "direct_school", "school", "kindergarten"])),
    )
    context["member_count"] = access.scoped(user, Membership).values("user").distinct().count()
    if user.has_capability(Capability.VIEW_AUDIT):
        midnight = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        events = access.scoped(user, AuditEvent, Capability.VIEW_AUDIT)
        context["recent_events"] = events.select_related("organisation")[:8]
        # A range on `at`, not at__date: a function of the column would scan the whole log.
        context["failed_logins_today"] = events.filter(action=AuditAction.LOGIN_FAILED, at__gte=midnight).count()
    if membership.organisation.kind != "bureau" and membership.role in (Role.SCHOOL_LEADER, Role.SAFETY_OFFICE):
        from grids.views import school_coverage_counts
        from hazards.summary import school_hazards
        from inspections.summary import school_day

        context["coverage"] = school_coverage_counts(membership.organisation)
        context["inspections_today"] = school_day(membership.organisation)
        context["hazards_school"] = school_hazards(membership.organisation)
    context["my_assignments"] = my_assignments(user)
    person = getattr(user, "person", None)
    if person is not None:
        from hazards.summary import member_hazards
        from inspections.summary import member_day

        context["my_day"] = member_day(person)
        context["my_hazards"] = member_hazards(user)
    if membership.role == Role.BUREAU_ADMIN:
        context["schools"] = organisations.filter(depth__gt=membership.organisation.depth).exclude(
            kind="division"
        ).annotate(member_count=Count("memberships"))
    return render(request, HOME_TEMPLATES[membership.role], context)
