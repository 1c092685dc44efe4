"""Paginated list pages: the page of rows and the query string that keeps the filters."""

from django.core.paginator import Paginator

PER_PAGE = 50


def page_context(request, queryset, per_page: int = PER_PAGE) -> dict:
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {"page": page, "query": query.urlencode()}
