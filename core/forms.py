"""Form base for tenant data: every choice list goes through the scoping mechanism."""

from django import forms

from orgs.choices import OrgKind
from orgs.models import Organisation


class ScopedModelForm(forms.ModelForm):
    """A ModelForm whose related-object choices are limited to what the user may see.

    The `organisation` field, if present, offers only nodes where the user holds `capability`,
    bureaus excluded (school data belongs to a school or one of its divisions).
    """

    capability: str | None = None

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        for field in self.fields.values():
            queryset = getattr(field, "queryset", None)
            if queryset is not None and hasattr(queryset, "for_user"):
                field.queryset = queryset.for_user(user)
        if "organisation" in self.fields:
            self.fields["organisation"].queryset = (
                Organisation.objects.for_user(user, self.capability).exclude(kind=OrgKind.BUREAU)
            )
            if self.instance.pk:
                self.fields["organisation"].disabled = True
