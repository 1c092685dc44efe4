from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import views as core_views
from core.api import api
from dashboards import views as dashboard_views
from orgs import views as org_views

urlpatterns = [
    path("", dashboard_views.home, name="home"),
    path("accounts/login/", org_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", org_views.PasswordChangeView.as_view(), name="password_change"),
    path("language/", core_views.set_language, name="set_language"),
    path("audit/", core_views.audit_list, name="audit_list"),
    path("audit/export.xlsx", core_views.audit_export, name="audit_export"),
    path("healthz", core_views.healthz, name="healthz"),
    path("", include("orgs.urls")),
    path("", include("campus.urls")),
    path("", include("people.urls")),
    path("", include("grids.urls")),
    path("", include("grids.roster_urls")),
    path("", include("grids.letter_urls")),
    path("", include("grids.map_urls")),
    path("", include("inspections.pwa_urls")),
    path("", include("inspections.urls")),
    path("", include("inspections.manage_urls")),
    path("", include("inspections.record_urls")),
    path("", include("hazards.urls")),
    path("", include("hazards.public_urls")),
    path("", include("hazards.stats_urls")),
    path("", include("hazards.notice_urls")),
    path("", include("dashboards.urls")),
    path("", include("ledgers.urls")),
    path("api/v1/", api.urls),
]
