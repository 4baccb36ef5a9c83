from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length

from app.i18n import lazy_gettext as _l
from app.web.forms import BaseForm, EmailAddress, choices, strip


def _code_field() -> Any:
    """A code from the authenticator app (the login's second step; re-authentication)."""
    return StringField(
        _l("Code from your authenticator app"),
        validators=[DataRequired(), Length(max=12)],
        filters=[strip],
        description=_l("Six digits. A new code appears every 30 seconds."),
    )


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class ForgotPasswordForm(BaseForm):
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), EmailAddress(), Length(max=254)], filters=[strip]
    )


class ReauthForm(BaseForm):
    """Proof that the account's holder is at the keyboard: the current password, and a
    current code where two-factor login is on (the view removes ``current_code`` otherwise)."""

    current_password = PasswordField(_l("Your current password"), validators=[DataRequired(), Length(max=1000)])
    current_code = _code_field()

    def __init__(self, *args: Any, two_factor: bool = False, password: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not two_factor:
            del self.current_code
        if not password:  # an account of the identity provider: a fresh sign-in there instead
            del self.current_password


class NewPasswordForm(BaseForm):
    """A new password, typed twice (the reset link's page; with :class:`ReauthForm`, the account page's).
    Defined after :class:`ReauthForm` so that in :class:`ChangePasswordForm` its fields follow the current
    password (WTForms orders fields by definition)."""

    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l("At least 12 characters. A phrase of several words is easy to remember and hard to guess."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords are not the same."))],
    )


class ChangePasswordForm(ReauthForm, NewPasswordForm):
    """The current password (and code), then the new one twice."""


class ChangeEmailForm(ReauthForm):
    email = EmailField(
        _l("New e-mail address"), validators=[DataRequired(), EmailAddress(), Length(max=254)], filters=[strip]
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The account page shows this form below the password form: the fields keep
        # their names (what is posted) but get ids of their own, as ids must not repeat.
        for name in ("current_password", "current_code"):
            if name in self:
                field = self[name]
                field.id = field.label.field_id = f"email-{field.id}"


class CodeForm(BaseForm):
    code = _code_field()


class TwoFactorForm(ReauthForm):
    """Turn on or replace two-factor login: re-authenticate (with the old app's code when
    replacing it), then prove the new app with its code."""

    code = StringField(
        _l("Code from the new app"),
        validators=[DataRequired(), Length(max=12)],
        filters=[strip],
        description=_l("Six digits. A new code appears every 30 seconds."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "current_code" in self:
            self.current_code.label.text = _l("Code from the app you use now")


class NewUserForm(BaseForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)], filters=[strip])
    email = EmailField(
        _l("E-mail address"), validators=[DataRequired(), EmailAddress(), Length(max=254)], filters=[strip]
    )
    preferred_language = SelectField(_l("Language of e-mails"), default="sv")
    is_site_admin = BooleanField(_l("Site administrator (manages boards and accounts, sees every board)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preferred_language.choices = choices([("sv", _l("Swedish")), ("rom", _l("Romani chib"))])


def user_form_class(boards: list[Any]) -> type[BaseForm]:
    """A form with the account flags and one role choice per board."""
    from app.i18n import localized_text

    role_choices = [("", _l("No role")), ("editor", _l("Editor")), ("publisher", _l("Publisher"))]

    class UserForm(BaseForm):
        is_active = BooleanField(_l("Active (may log in)"))
        is_site_admin = BooleanField(_l("Site administrator"))

    for board in boards:
        setattr(
            UserForm,
            f"role_{board.id}",
            SelectField(localized_text(board, "name"), choices=choices(role_choices), default=""),
        )
    return UserForm


class LanguageForm(BaseForm):
    language = SelectField(
        _l("Your language"),
        validators=[DataRequired()],
        description=_l("Used for e-mails to you and for the staff pages after you log in."),
    )
