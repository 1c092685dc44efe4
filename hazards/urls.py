from django.urls import path

from . import views

app_name = "hazards"
urlpatterns = [
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/export.xlsx", views.hazard_export, name="hazard_export"),
    path("hazards/new/", views.hazard_report, name="hazard_report"),
    path("hazards/mine/", views.hazard_mine, name="hazard_mine"),
    path("hazards/mine/reminders/read/", views.reminders_read, name="reminders_read"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("hazards/<int:pk>/<slug:action>/", views.hazard_act, name="hazard_act"),
    path("hazards/photos/<int:pk>/", views.photo, name="photo"),
    path("hazards/photos/<int:pk>/thumb/", views.photo_thumb, name="photo_thumb"),
]
