"""Form widgets.

`FastSelect` renders a select in Python. Django renders each <option> through its own template, which
for a bureau's school list (hundreds of schools) is most of a list page's time; the HTML is the same.
"""

from __future__ import annotations

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class FastSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [format_html("<select name=\"{}\"{}>", widget["name"], flatatt(widget["attrs"]))]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html("<optgroup label=\"{}\">", group_name))
            for option in options:
                extra = {k: v for k, v in option["attrs"].items() if k != "selected"}
                parts.append(format_html("<option value=\"{}\"{}{}>{}</option>", option["value"], flatatt(extra),
                                         mark_safe(" selected") if option["selected"] else "", option["label"]))
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(str(p) for p in parts))  # noqa: S308 — every piece escaped by format_html
