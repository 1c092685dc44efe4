"""Installable patrol app: service worker, manifest, offline page."""

urlpatterns = []
