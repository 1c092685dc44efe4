"""Managing checklists, schedules and the school calendar; printing QR plates."""

from django.urls import path

from . import manage_views as views

app_name = "inspection_setup"
urlpatterns = [
    path("inspections/setup/checklists/", views.checklist_list, name="checklist_list"),
    path("inspections/setup/checklists/standard/", views.standard_list, name="standard_list"),
    path("inspections/setup/checklists/standard/copy/", views.standard_copy, name="standard_copy"),
    path("inspections/setup/checklists/new/", views.checklist_create, name="checklist_create"),
    path("inspections/setup/checklists/<int:pk>/", views.checklist_detail, name="checklist_detail"),
    path("inspections/setup/checklists/<int:pk>/edit/", views.checklist_edit, name="checklist_edit"),
    path("inspections/setup/checklists/<int:pk>/items/", views.checklist_items, name="checklist_items"),
    path("inspections/setup/versions/<int:pk>/", views.version_detail, name="version_detail"),
    path("inspections/setup/schedules/", views.schedule_list, name="schedule_list"),
    path("inspections/setup/schedules/new/", views.schedule_create, name="schedule_create"),
    path("inspections/setup/schedules/<int:pk>/", views.schedule_detail, name="schedule_detail"),
    path("inspections/setup/schedules/<int:pk>/edit/", views.schedule_edit, name="schedule_edit"),
    path("inspections/setup/calendar/", views.calendar, name="calendar"),
    path("inspections/setup/calendar/terms/new/", views.term_create, name="term_create"),
    path("inspections/setup/calendar/terms/<int:pk>/edit/", views.term_edit, name="term_edit"),
    path("inspections/setup/calendar/terms/<int:pk>/delete/", views.term_delete, name="term_delete"),
    path("inspections/setup/calendar/holidays/new/", views.holiday_create, name="holiday_create"),
    path("inspections/setup/calendar/holidays/<int:pk>/edit/", views.holiday_edit, name="holiday_edit"),
    path("inspections/setup/calendar/holidays/<int:pk>/delete/", views.holiday_delete, name="holiday_delete"),
    path("inspections/setup/plates/", views.plates, name="plates"),
    path("inspections/setup/plates/<int:pk>.pdf", views.plates_pdf, name="plates_pdf"),
]
