from django.urls import path

from . import views

app_name = "hazards"
urlpatterns = [
    path("hazards/", views.hazard_list, name="hazard_list"),
    path("hazards/<int:pk>/", views.hazard_detail, name="hazard_detail"),
]
