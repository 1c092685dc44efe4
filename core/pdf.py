"""Printable PDFs from HTML templates (WeasyPrint): A4, Chinese fonts embedded, nothing fetched
from the network. Every PDF handed out is itself an audit event, like an Excel export."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string

from .audit import Actor, AuditAction, record

PDF = "application/pdf"
# Installed by fonts-noto-cjk; print templates name them in their own CSS.
FONT_SANS = "Noto Sans CJK SC"
FONT_SERIF = "Noto Serif CJK SC"
# Relative URLs in print templates (images, stylesheets) resolve against the project's static files.
STATIC_DIR = Path(settings.BASE_DIR) / "static"

# WeasyPrint reports every layout step at INFO level ("Step 5 - Creating layout - Page 3"): a line per
# page in the server log under our INFO root logger. Its warnings (unsupported CSS, missing files) stay.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def _local_fetcher():
    """A URL fetcher that reads data: URLs and files under the static folder, and nothing else:
    a document never reaches the network or the rest of the disk, whatever its text holds."""
    from weasyprint.urls import URLFetcher

    root = STATIC_DIR.resolve()

    class LocalFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme == "file":
                path = Path(unquote(parts.path)).resolve()
                if not path.is_relative_to(root):
                    raise ValueError(f"refused outside the static folder: {url}")
            elif parts.scheme != "data":
                raise ValueError(f"refused non-local URL: {url}")
            return super().fetch(url, headers)

    return LocalFetcher(allowed_protocols={"file", "data"})


def render_pdf(template_name: str, context: dict | None = None) -> bytes:
    """Render a print template (templates/pdf/*.html, with its own @page CSS) to PDF bytes."""
    html = render_to_string(template_name, {"font_sans": FONT_SANS, "font_serif": FONT_SERIF, **(context or {})})
    return html_to_pdf(html)[0]


def html_to_pdf(html: str) -> tuple[bytes, int]:
    """A print template's rendered HTML as PDF bytes, and its number of pages (local files only)."""
    import weasyprint  # imported on first use: it takes half a second and most processes never print

    document = weasyprint.HTML(string=html, base_url=STATIC_DIR.as_uri() + "/", url_fetcher=_local_fetcher()).render()
    return document.write_pdf(), len(document.pages)


def pdf_response(actor: Actor, filename: str, pdf: bytes, *, object_type: str, organisation=None,
                 description: str = "", changes: dict | None = None, attachment: bool = False) -> HttpResponse:
    """Hand a PDF to the browser (shown inline unless `attachment`), recording the export."""
    if organisation is None and actor.user is not None:
        organisation = actor.user.audit_organisation()
    record(actor, AuditAction.EXPORT, organisation=organisation, object_type=object_type,
           object_repr=description or filename, changes=changes)
    response = HttpResponse(pdf, content_type=PDF)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return response
