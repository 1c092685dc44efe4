from django.urls import path

from . import stats_views

app_name = "hazard_stats"
urlpatterns = [
    path("hazards/statistics/", stats_views.statistics, name="statistics"),
    path("hazards/statistics/summary.pdf", stats_views.summary_pdf, name="summary_pdf"),
    path("hazards/statistics/summary.xlsx", stats_views.summary_xlsx, name="summary_xlsx"),
]
