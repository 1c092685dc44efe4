from django.urls import path

from . import views

app_name = "ledgers"

urlpatterns = [
    path("ledgers/", views.ledger_list, name="ledger_list"),
    path("ledgers/<int:pk>/", views.ledger_detail, name="ledger_detail"),
    path("ledgers/<int:pk>/download/", views.ledger_download, name="ledger_download"),
]
