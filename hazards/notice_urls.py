from django.urls import path

from . import notice_views as views

app_name = "hazard_notice"
urlpatterns = [
    path("hazards/notices/", views.notice_list, name="notice_list"),
    path("hazards/notices/new/", views.notice_new, name="notice_new"),
    path("hazards/notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("hazards/notices/<int:pk>/acknowledge", views.notice_acknowledge, name="notice_acknowledge"),
    path("hazards/notices/<int:pk>/pdf", views.notice_pdf, name="notice_pdf"),
]
