"""Paginated list pages: the page of rows and the query string that keeps the filters.

Counting every row of a bureau's year of inspections (millions) would cost more than the page itself, so
the count stops at COUNT_CAP: beyond it the pager says "10000+" and asks for a narrower filter.
"""

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property

PER_PAGE = 50
COUNT_CAP = 10_000


class CappedPaginator(Paginator):
    """A paginator whose count reads at most COUNT_CAP + 1 rows (`capped` tells whether there are more)."""

    capped = False

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, list):
            return len(self.object_list)
        found = self.object_list.order_by()[:COUNT_CAP + 1].count()
        self.capped = found > COUNT_CAP
        return min(found, COUNT_CAP)

    def page(self, number):
        """The page's rows in two steps: the ids of the page (the filters and the order, none of the joins
        select_related adds), then those rows with their joins — the database sorts narrow rows and
        joins fifty, not a bureau's hundred thousand."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().page(number)
        ids = list(rows.values_list("pk", flat=True)[bottom:bottom + self.per_page])
        found = {obj.pk: obj for obj in rows.order_by().filter(pk__in=ids or [0])}
        return self._get_page([found[pk] for pk in ids if pk in found], number, self)


def page_context(request, queryset, per_page: int = PER_PAGE) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    page = CappedPaginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query.urlencode()}
