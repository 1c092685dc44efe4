from django import template

register = template.Library()


@register.filter
def get(mapping, key):
    """mapping[key] in a template, or None (for answers keyed by item key)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
