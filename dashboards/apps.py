from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "dashboards"
    verbose_name = _("首页与汇总")

    def ready(self):
        from . import panels, rollups

        rollups.connect()
        panels.connect()
