"""Patrol pages (phone): today's tasks, doing an inspection, QR plates' links, check-ins."""

from django.urls import path

from . import views

app_name = "inspections"
urlpatterns = [
    path("patrol/", views.today, name="today"),
    path("patrol/task/<int:schedule_id>/<str:target>/", views.task, name="task"),
    path("patrol/place/<int:place_id>/checklist/<int:checklist_id>/", views.unplanned, name="unplanned"),
    path("patrol/done/<int:pk>/", views.done, name="done"),
    path("q/<str:token>/", views.scan, name="scan"),
    path("q/<str:token>/checkin/", views.scan_check_in, name="check_in"),
]
