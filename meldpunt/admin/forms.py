from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, StopValidation, ValidationError

from meldpunt.admin import audit_labels
from meldpunt.admin.audit_labels import ACTION_GROUPS, ACTION_LABELS, OBJECT_LABELS, RESULT_LABELS
from meldpunt.auth.models import ROLE_LABELS


def _role_choices():
    return [(role.value, _l(label)) for role, label in ROLE_LABELS.items()]


class UserCreateForm(FlaskForm):
    name = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    email = EmailField(_l("E-mailadres"), validators=[DataRequired(_l("Vul een e-mailadres in.")), Length(max=254)])
    role = SelectField(_l("Rol"), choices=_role_choices(), validators=[DataRequired(_l("Kies een rol."))])
    department = SelectField(_l("Afdeling"), choices=[], validators=[Optional(), Length(max=80)],
                             description=_l("De melder ziet deze afdeling op het meldformulier en kan haar daar wijzigen."))
    password = PasswordField(
        _l("Eerste wachtwoord"),
        description=_l("Minstens 12 tekens. Geef het persoonlijk door; de gebruiker kan het daarna zelf wijzigen. "
                       "Laat leeg als de gebruiker alleen via de organisatie inlogt."),
        validators=[Optional(), Length(max=128, message=_l("Hoogstens 128 tekens."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Account aanmaken"))


class DepartmentForm(FlaskForm):
    department = SelectField(_l("Afdeling"), choices=[], validators=[Optional()], validate_choice=False,
                             description=_l("De melder ziet deze afdeling op het meldformulier en kan haar daar wijzigen."))
    submit = SubmitField(_l("Afdeling opslaan"))


class RoleForm(FlaskForm):
    role = SelectField(_l("Rol"), choices=_role_choices(), validators=[DataRequired(_l("Kies een rol."))])
    submit = SubmitField(_l("Rol wijzigen"))


class ActionForm(FlaskForm):
    """A bare CSRF-protected button (blokkeren, deblokkeren, tweestapsverificatie resetten)."""

    submit = SubmitField(_l("Bevestigen"))


class TermForm(FlaskForm):
    code = StringField(_l("Code"), description=_l("Korte vaste code, bijvoorbeeld 'vakantieparken'. Later niet te wijzigen."),
                       validators=[DataRequired(_l("Vul een code in.")), Length(max=60)])
    label = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    help_text = TextAreaField(_l("Uitleg"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Opslaan"))


class TermEditForm(FlaskForm):
    label = StringField(_l("Naam"), validators=[DataRequired(_l("Vul een naam in.")), Length(max=200)])
    help_text = TextAreaField(_l("Uitleg"), validators=[Optional(), Length(max=1000)])
    submit = SubmitField(_l("Opslaan"))


#: Ways a beheerder types a day: Dutch first (31-1-2026, 31/1/2026, 31.1.2026), ISO as well.
DAY_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d")
DAY_ERROR = _l("Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-1-2026.")


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
    """The action filter in the page's language: the groups, then every action by its label's order."""
    groups = [(prefix, audit_labels.group_label(prefix)) for prefix in ACTION_GROUPS]
    actions = sorted(((code, audit_labels.action_label(code)) for code in ACTION_LABELS), key=lambda item: item[1])
    return [("", _l("Alle acties")), *groups, *actions]


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter, no state change

    action = SelectField(_l("Actie"), choices=_action_choices, validators=[Optional()],
                         validate_choice=False)
    actor = StringField(_l("Gebruiker (e-mailadres, nummer of schuilnaam)"), validators=[Optional(), Length(max=254)])
    object_type = SelectField(_l("Soort object"), choices=[("", _l("Alle soorten")), *((code, _l(label)) for code, label in OBJECT_LABELS.items())],
                              validators=[Optional()], validate_choice=False)
    result = SelectField(_l("Resultaat"), choices=[("", _l("Alle")), *((code, _l(label)) for code, label in RESULT_LABELS.items())], validators=[Optional()])
    since = DayField(_l("Vanaf (datum)"), description=_l("Bijvoorbeeld 31-1-2026"), validators=[Optional(), Length(max=10)])
    until = DayField(_l("Tot en met (datum)"), description=_l("Bijvoorbeeld 31-1-2026"), validators=[Optional(), Length(max=10)])

    def validate_until(self, field) -> None:
        if field.day and self.since.day and field.day < self.since.day:
            raise ValidationError(_l("De einddatum ligt vóór de begindatum."))
