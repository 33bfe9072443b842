from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meldpunt.auth.models import ROLE_LABELS


def _role_choices():
    return [(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    email = EmailField("E-mailadres", validators=[DataRequired("Vul een e-mailadres in."), Length(max=254)])
    role = SelectField("Rol", choices=_role_choices(), validators=[DataRequired("Kies een rol.")])
    department = StringField("Afdeling", validators=[Optional(), Length(max=80)])
    password = PasswordField(
        "Eerste wachtwoord",
        description="Minstens 12 tekens. Geef het persoonlijk door; de gebruiker kan het daarna zelf wijzigen. "
        "Laat leeg als de gebruiker alleen via de organisatie inlogt.",
        validators=[Optional(), Length(max=128, message="Hoogstens 128 tekens.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Account aanmaken")


class RoleForm(FlaskForm):
    role = SelectField("Rol", choices=_role_choices(), validators=[DataRequired("Kies een rol.")])
    submit = SubmitField("Rol wijzigen")


class ActionForm(FlaskForm):
    """A bare CSRF-protected button (blokkeren, deblokkeren, tweestapsverificatie resetten)."""

    submit = SubmitField("Bevestigen")


class TermForm(FlaskForm):
    code = StringField("Code", description="Korte vaste code, bijvoorbeeld 'vakantieparken'. Later niet te wijzigen.",
                       validators=[DataRequired("Vul een code in."), Length(max=60)])
    label = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    help_text = TextAreaField("Uitleg", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Opslaan")


class TermEditForm(FlaskForm):
    label = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    help_text = TextAreaField("Uitleg", validators=[Optional(), Length(max=1000)])
    submit = SubmitField("Opslaan")


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, no state change

    action = StringField("Actie", validators=[Optional(), Length(max=60)])
    actor = StringField("Gebruiker (e-mailadres, nummer of schuilnaam)", validators=[Optional(), Length(max=254)])
    object_type = StringField("Soort object", validators=[Optional(), Length(max=40)])
    result = SelectField("Resultaat", choices=[("", "Alle"), ("ok", "Gelukt"), ("failed", "Mislukt"),
                                               ("denied", "Geweigerd")], validators=[Optional()])
    since = StringField("Vanaf (datum)", description="Bijvoorbeeld 2026-01-31", validators=[Optional(), Length(max=10)])
    until = StringField("Tot en met (datum)", validators=[Optional(), Length(max=10)])
