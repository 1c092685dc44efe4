"""Installable patrol app: service worker, manifest, offline page. Included at the site root, no namespace."""

from django.urls import path

from . import pwa

urlpatterns = [
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="manifest"),
    path("patrol/offline/", pwa.offline, name="patrol_offline"),
]
