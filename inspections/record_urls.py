"""Inspection records, photos, missed checks, completion rates, findings and check-ins."""

from django.urls import path

from . import record_views as views

app_name = "inspection_records"
urlpatterns = [
    path("inspections/records/", views.inspection_list, name="inspection_list"),
    path("inspections/records/export/", views.inspection_export, name="inspection_export"),
    path("inspections/records/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/photos/<int:pk>/", views.photo, name="photo"),
    path("inspections/photos/<int:pk>/thumb/", views.photo_thumb, name="photo_thumb"),
    path("inspections/missed/", views.missed, name="missed"),
    path("inspections/rates/", views.rates, name="rates"),
    path("inspections/rates/export/", views.rates_export, name="rates_export"),
    path("inspections/findings/", views.findings, name="findings"),
    path("inspections/checkins/", views.checkins, name="checkins"),
]
