"""The one small check every view gets: anonymous → login, other school → 404, not allowed → 403,
allowed → 200/302, and (for writes) an audit event."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from django.urls import reverse

from core.models import AuditEvent

BACKEND = "orgs.backends.Backend"


@dataclasses.dataclass
class ViewCase:
    name: str                                   # URL name
    args: Callable = lambda cast: []            # URL args from the cast (an object of school1)
    method: str = "get"
    data: Callable = lambda cast: {}            # POST data
    allowed: str = "alice"                      # persona who may (school1)
    refused: str | None = "bob"                 # persona of school1 who may not (403)
    writes: bool = False                        # an audit event is expected
    ok: tuple = (200, 302)

    def url(self, cast) -> str:
        return reverse(self.name, args=self.args(cast))


def check_view(client, cast, case: ViewCase) -> None:
    url = case.url(cast)
    send = getattr(client, case.method)
    response = send(url, case.data(cast))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"], f"anonymous: {url}"
    if case.args(cast):
        client.force_login(cast.charlie, backend=BACKEND)
        assert send(url, case.data(cast)).status_code == 404, f"other school: {url}"
    if case.refused:
        client.force_login(getattr(cast, case.refused), backend=BACKEND)
        assert send(url, case.data(cast)).status_code == 403, f"not allowed: {url}"
    client.force_login(getattr(cast, case.allowed), backend=BACKEND)
    before = AuditEvent.objects.count()
    response = send(url, case.data(cast))
    assert response.status_code in case.ok, f"allowed: {url} → {response.status_code}"
    if case.writes:
        assert AuditEvent.objects.count() > before, f"no audit event written by {url}"
