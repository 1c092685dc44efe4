from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("dashboards/school/<int:pk>/", views.school_detail, name="school"),
]
