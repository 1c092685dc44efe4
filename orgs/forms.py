from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from core import access
from core.tenancy import subtree_q

from .models import Organisation, User
from .roles import Capability, Role, assignable_roles


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码错误。"),
        "inactive": _("该账户已停用。"),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名")
        self.fields["password"].label = _("密码")


class ChangePasswordForm(PasswordChangeForm):
    pass


class OrganisationForm(forms.ModelForm):
    class Meta:
        model = Organisation
        fields = ["name", "code", "kind", "parent", "address", "phone", "is_boarding"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        parents = access.scoped(user, Organisation, Capability.MANAGE_ORGS)
        if self.instance.pk:
            parents = parents.exclude(subtree_q("path", self.instance.path))
        self.fields["parent"].queryset = parents
        self.fields["parent"].required = True


class UserCreateForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(label=_("所属组织"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    password = forms.CharField(
        label=_("初始密码"), widget=forms.PasswordInput, required=True,
        help_text=_("用户首次登录时须修改密码。"),
    )

    class Meta:
        model = User
        fields = ["username", "name", "phone", "email"]

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.scoped(user, Organisation, Capability.MANAGE_USERS)
        self.fields["role"].choices = assignable_roles(user)

    def clean(self):
        data = super().clean()
        from django.contrib.auth.password_validation import validate_password

        if data.get("password") and data.get("username"):
            try:
                validate_password(data["password"], User(username=data["username"]))
            except forms.ValidationError as exc:
                self.add_error("password", exc)
        return data


class UserEditForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "phone", "email", "is_active", "language"]


class MembershipForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("组织"), queryset=Organisation.objects.none())
    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)

    def __init__(self, user, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = access.scoped(user, Organisation, Capability.MANAGE_USERS)
        self.fields["role"].choices = assignable_roles(user)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("令牌名称"), max_length=100, required=False)
