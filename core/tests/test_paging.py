"""The pager counts at most COUNT_CAP rows: a bureau's millions of records are never counted whole."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from core import paging
from core.audit import Actor, AuditAction, record
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_count_stops_at_the_cap_and_says_so(cast, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    for n in range(7):
        record(Actor(user=cast.alice), AuditAction.UPDATE, cast.division1, changes={"n": [n, n + 1]})
    rows = AuditEvent.objects.all().order_by("-pk")
    request = RequestFactory().get("/", {"page": "1"})
    with CaptureQueriesContext(connection) as queries:
        page = paging.page_context(request, rows, per_page=2)["page"]
        assert (page.paginator.count, page.paginator.capped, page.paginator.num_pages) == (5, True, 3)
    assert "LIMIT 6" in queries[0]["sql"] or "LIMIT 6" in queries[0]["sql"].upper()
    few = paging.page_context(request, rows.filter(pk__lte=rows.last().pk + 1), per_page=2)["page"]
    assert few.paginator.count == 2 and not few.paginator.capped
