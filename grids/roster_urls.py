from django.urls import path

from . import roster_views

app_name = "roster"

urlpatterns = [
    path("roster/", roster_views.roster_import, name="import"),
    path("roster/imports/<int:pk>/", roster_views.roster_import_detail, name="import_detail"),
    path("roster/imports/<int:pk>/confirm/", roster_views.roster_import_confirm, name="import_confirm"),
    path("roster/export.xlsx", roster_views.roster_export, name="export"),
]
