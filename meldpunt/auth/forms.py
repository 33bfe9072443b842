from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul uw e-mailadres in.")), Length(max=254)])
    password = PasswordField(_l("Wachtwoord"), validators=[DataRequired(_l("Vul uw wachtwoord in.")), Length(max=128)])
    submit = SubmitField(_l("Inloggen"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Uitloggen"))


class RecoveryCodesForm(FlaskForm):
    """New recovery codes replace the old ones: ask for the password again (re-authentication)."""

    current_password = PasswordField(
        _l("Uw huidige wachtwoord"),
        description=_l("Ter controle dat u het zelf bent."),
        validators=[Optional(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField(_l("Nieuwe herstelcodes maken"))


class CodeForm(FlaskForm):
    code = StringField(
        _l("Code"),
        description=_l("De code van 6 cijfers uit uw authenticator-app, of een van uw herstelcodes."),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"},
    )
    submit = SubmitField(_l("Controleren"))


class EnrolForm(FlaskForm):
    #: Asked when a logged-in user replaces the second factor (re-authentication); unused right after login.
    current_password = PasswordField(
        _l("Uw huidige wachtwoord"),
        description=_l("Ter controle dat u het zelf bent."),
        validators=[Optional(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        _l("Code uit de app"),
        description=_l("Vul de code van 6 cijfers in die de app nu laat zien."),
        validators=[DataRequired(_l("Vul de code in.")), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField(_l("Bevestigen"))


class PasswordChangeForm(FlaskForm):
    current = PasswordField(_l("Huidig wachtwoord"), validators=[DataRequired(_l("Vul uw huidige wachtwoord in.")), Length(max=128)])
    new = PasswordField(
        _l("Nieuw wachtwoord"),
        description=_l("Minstens 12 tekens. Een zin van een paar woorden is goed te onthouden."),
        validators=[DataRequired(_l("Vul een nieuw wachtwoord in.")), Length(max=128, message=_l("Hoogstens 128 tekens."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Wachtwoord wijzigen"))


class ReplyMailForm(FlaskForm):
    """A handler's choice: also an e-mail (content-free) when a reporter replies (issue 22 item 2)."""

    reply_mail = BooleanField(
        _l("Stuur mij ook een e-mail als een melder reageert"),
        description=_l("De e-mail zegt alleen dat er een nieuw bericht is, niet van wie of waarover. "
                       "In de werkvoorraad ziet u het altijd."),
    )
