from __future__ import annotations

from wtforms import EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from app.common.forms import BaseForm, EmailAddress, strip
from app.i18n import lazy_gettext as _l


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)], filters=[strip])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=1000)])
    next = HiddenField()


class ForgotPasswordForm(BaseForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), EmailAddress(), Length(max=254)], filters=[strip])


class NewPasswordForm(BaseForm):
    password = PasswordField(
        _l("New password"), validators=[DataRequired(), Length(max=1000)],
        description=_l("At least 12 characters. A phrase of several words is easy to remember and hard to guess."),
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords are not the same."))],
    )


class CodeForm(BaseForm):
    code = StringField(
        _l("Code from your authenticator app"), validators=[DataRequired(), Length(max=12)], filters=[strip],
        description=_l("Six digits. A new code appears every 30 seconds."),
    )
