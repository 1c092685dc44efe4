"""The hazards API (/api/v1/hazards, /api/v1/notices). No `from __future__ import annotations` here (see
core.api)."""

from ninja import Router

router = Router(tags=["隐患"])
