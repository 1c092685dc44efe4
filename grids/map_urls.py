from django.urls import path

from . import map_views as views

app_name = "gridmap"

urlpatterns = [
    path("responsibility-map/", views.map_page, name="map"),
    path("responsibility-map/print.pdf", views.map_pdf, name="map_pdf"),
]
