"""FastSelect: the same HTML as Django's template-rendered select, for plain choices, groups and the
selected value, with everything escaped."""

import re

import pytest
from django import forms

from core.widgets import FastSelect

CHOICES = [("", "全部学校"), (1, "第一中学"), (2, "<script>二中</script>"), ("城区", [(3, "三中"), (4, "四\"中")])]


def options(html: str) -> list[tuple]:
    return re.findall(r'<(option|optgroup)([^>]*)>([^<]*)', html)


def attrs(html: str) -> dict:
    return dict(re.findall(r'(\w[\w-]*)="([^"]*)"', re.match(r"<select([^>]*)>", html).group(1)))


@pytest.mark.parametrize("value", ["", "2", 3, None])
def test_fast_select_renders_what_django_select_renders(value):
    attributes = {"id": "id_organisation", "hx-get": "/hazards/?a=1&b=2", "required": True}
    fast = str(FastSelect(attrs=attributes, choices=CHOICES).render("organisation", value))
    slow = str(forms.Select(attrs=attributes, choices=CHOICES).render("organisation", value))

    def normal(html):
        return [(tag, " ".join(sorted(a.split())), text.strip()) for tag, a, text in options(html)]

    assert normal(fast) == normal(slow)
    assert attrs(fast) == attrs(slow)
    assert "<script>" not in fast and "&lt;script&gt;" in fast
    assert fast.count(" selected") == 1  # None selects the empty choice, as Django does
