"""随手拍: the public report form behind a place's QR link, and the safety office's review queue (初审)."""

from django.urls import path

from . import public_views as views

app_name = "hazard_public"
urlpatterns = [
    path("r/<str:token>/", views.report, name="report"),
    path("r/<str:token>/thanks/", views.thanks, name="thanks"),
    path("hazards/reports/", views.review_list, name="review_list"),
    path("hazards/reports/<int:pk>/", views.review_detail, name="review_detail"),
    path("hazards/reports/<int:pk>/accept/", views.accept, name="accept"),
    path("hazards/reports/<int:pk>/dismiss/", views.dismiss, name="dismiss"),
    path("hazards/reports/<int:pk>/photo/", views.photo, name="photo"),
    path("hazards/reports/<int:pk>/photo/thumb/", views.photo_thumb, name="photo_thumb"),
]
