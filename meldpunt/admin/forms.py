from datetime import date, datetime

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from meldpunt.admin.audit_labels import ACTION_GROUPS, ACTION_LABELS, OBJECT_LABELS, RESULT_LABELS
from meldpunt.auth.models import ROLE_LABELS


def _role_choices():
    return [(role.value, label) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=200)])
    email = EmailField("E-mailadres", validators=[DataRequired("Vul een e-mailadres in."), Length(max=254)])
    role = SelectField("Rol", choices=_role_choices(), validators=[DataRequired("Kies een rol.")])
    department = SelectField("Afdeling", choices=[], validators=[Optional(), Length(max=80)],
                             description="De melder ziet deze afdeling op het meldformulier en kan haar daar wijzigen.")
    password = PasswordField(
        "Eerste wachtwoord",
        description="Minstens 12 tekens. Geef het persoonlijk door; de gebruiker kan het daarna zelf wijzigen. "
        "Laat leeg als de gebruiker alleen via de organisatie inlogt.",
        validators=[Optional(), Length(max=128, message="Hoogstens 128 tekens.")],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField("Account aanmaken")


class DepartmentForm(FlaskForm):
    department = SelectField("Afdeling", choices=[], validators=[Optional()], validate_choice=False,
                             description="De melder ziet deze afdeling op het meldformulier en kan haar daar wijzigen.")
    submit = SubmitField("Afdeling opslaan")


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


#: Ways a beheerder types a day: Dutch first (31-1-2026, 31/1/2026, 31.1.2026), ISO as well.
DAY_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
DAY_ERROR = "Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-1-2026."


def parse_day(raw: str | None) -> date | None:
    """``31-1-2026`` / ``31-01-2026`` / ``31/1/2026`` / ``2026-01-31`` -> that day; anything else -> None."""
    text = (raw or "").strip()
    for day_format in DAY_FORMATS:
        try:
            return datetime.strptime(text, day_format).date()
        except ValueError:
            continue
    return None


class DayField(StringField):
    """A day typed as text, the Dutch way; after validation ``.day`` holds the date (or None when empty)."""

    day: date | None = None

    def pre_validate(self, form) -> None:
        self.day = None
        if self.data and self.data.strip():
            self.day = parse_day(self.data)
            if self.day is None:
                raise StopValidation(DAY_ERROR)


def _action_choices() -> list[tuple[str, str]]:
    groups = [(prefix, f"{label}: alles") for prefix, label in ACTION_GROUPS.items()]
    actions = sorted(ACTION_LABELS.items(), key=lambda item: item[1])
    return [("", "Alle acties"), *groups, *[(code, label) for code, label in actions]]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, no state change

    action = SelectField("Actie", choices=_action_choices(), validators=[Optional()],
                         validate_choice=False)
    actor = StringField("Gebruiker (e-mailadres, nummer of schuilnaam)", validators=[Optional(), Length(max=254)])
    object_type = SelectField("Soort object", choices=[("", "Alle soorten"), *OBJECT_LABELS.items()],
                              validators=[Optional()], validate_choice=False)
    result = SelectField("Resultaat", choices=[("", "Alle"), *RESULT_LABELS.items()], validators=[Optional()])
    since = DayField("Vanaf (datum)", description="Bijvoorbeeld 31-1-2026", validators=[Optional(), Length(max=10)])
    until = DayField("Tot en met (datum)", description="Bijvoorbeeld 31-1-2026", validators=[Optional(), Length(max=10)])

    def validate_until(self, field) -> None:
        if field.day and self.since.day and field.day < self.since.day:
            raise ValidationError("De einddatum ligt vóór de begindatum.")
