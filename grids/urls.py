from django.urls import path

from . import views

app_name = "grids"

urlpatterns = [
    path("grids/", views.grid_list, name="grid_list"),
    path("grids/new/", views.grid_create, name="grid_create"),
    path("grids/<int:pk>/", views.grid_detail, name="grid_detail"),
    path("grids/<int:pk>/edit/", views.grid_edit, name="grid_edit"),
    path("grids/<int:pk>/assignments/", views.assignment_add, name="assignment_add"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("assignments/<int:pk>/handover/", views.handover, name="handover"),
    path("time-slots/", views.timeslot_list, name="timeslot_list"),
    path("time-slots/new/", views.timeslot_create, name="timeslot_create"),
    path("time-slots/<int:pk>/edit/", views.timeslot_edit, name="timeslot_edit"),
    path("coverage/", views.coverage_view, name="coverage"),
    path("coverage/export.xlsx", views.coverage_export, name="coverage_export"),
]
