from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class LoginForm(FlaskForm):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in."), Length(max=254)])
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in."), Length(max=128)])
    submit = SubmitField("Inloggen")


class LogoutForm(FlaskForm):
    submit = SubmitField("Uitloggen")


class RecoveryCodesForm(FlaskForm):
    """New recovery codes replace the old ones: ask for the password again (re-authentication)."""

    current_password = PasswordField(
        "Uw huidige wachtwoord",
        description="Ter controle dat u het zelf bent.",
        validators=[Optional(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    submit = SubmitField("Nieuwe herstelcodes maken")


class CodeForm(FlaskForm):
    code = StringField(
        "Code",
        description="De code van 6 cijfers uit uw authenticator-app, of een van uw herstelcodes.",
        validators=[DataRequired("Vul de code in."), Length(max=32)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off", "spellcheck": "false"},
    )
    submit = SubmitField("Controleren")


class EnrolForm(FlaskForm):
    #: Asked when a logged-in user replaces the second factor (re-authentication); unused right after login.
    current_password = PasswordField(
        "Uw huidige wachtwoord",
        description="Ter controle dat u het zelf bent.",
        validators=[Optional(), Length(max=128)],
        render_kw={"autocomplete": "current-password"},
    )
    code = StringField(
        "Code uit de app",
        description="Vul de code van 6 cijfers in die de app nu laat zien.",
        validators=[DataRequired("Vul de code in."), Length(max=10)],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )
    submit = SubmitField("Bevestigen")


class PasswordChangeForm(FlaskForm):
    current = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in."), Length(max=128)])
    new = PasswordField(
        "Nieuw wachtwoord",
        description="Minstens 12 tekens. Een zin van een paar woorden is goed te onthouden.",
        validators=[DataRequired("Vul een nieuw wachtwoord in."), Length(max=128, message="Hoogstens 128 tekens.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Wachtwoord wijzigen")


class ReplyMailForm(FlaskForm):
    """A handler's choice: also an e-mail (content-free) when a reporter replies (issue 22 item 2)."""

    reply_mail = BooleanField(
        "Stuur mij ook een e-mail als een melder reageert",
        description="De e-mail zegt alleen dat er een nieuw bericht is, niet van wie of waarover. "
        "In de werkvoorraad ziet u het altijd.",
    )
