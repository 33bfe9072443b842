"""Forms for cases (casussen)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meldpunt.cases.models import INTERVENTION_LABELS, CaseStatus


class NewCaseForm(FlaskForm):
    title = StringField(_l("Korte naam van de casus"), description=_l("Zonder namen of adressen, bijvoorbeeld ‘Casus bedrijventerrein Noord’."),
                        validators=[DataRequired(_l("Vul een korte naam in.")), Length(max=200)])
    references = StringField(_l("Meldingen"), description=_l("Nummers van de meldingen, gescheiden door komma's. Bijvoorbeeld MO-2026-0001."),
                             validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Casus maken"))


class CaseForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    title = StringField(_l("Korte naam van de casus"), validators=[DataRequired(_l("Vul een korte naam in.")), Length(max=200)])
    risk_picture = TextAreaField(_l("Risicobeeld"), description=_l("Wat is er aan de hand, wat is het risico voor de gemeente?"),
                                 validators=[Optional(), Length(max=20000)])
    status = SelectField(_l("Status"), choices=[(CaseStatus.OPEN.value, _l("Open")), (CaseStatus.MONITORING.value, _l("Monitoren"))])
    submit = SubmitField(_l("Opslaan"))


class AddSignalForm(FlaskForm):
    reference = StringField(_l("Nummer van de melding"), validators=[DataRequired(_l("Vul het nummer van de melding in.")), Length(max=20)])
    submit = SubmitField(_l("Melding koppelen"))


class InterventionForm(FlaskForm):
    kind = SelectField(_l("Voorgestelde interventie"), choices=[(k.value, _l(v)) for k, v in INTERVENTION_LABELS.items()])
    note = TextAreaField(_l("Toelichting"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Interventie toevoegen"))


class CloseCaseForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    reason = TextAreaField(_l("Reden van afsluiten"), description=_l("De meldingen in de casus worden ook afgesloten; de melders horen dat op hoofdlijnen."),
                           validators=[DataRequired(_l("Vul de reden van afsluiten in.")), Length(max=5000)])
    submit = SubmitField(_l("Casus afsluiten"))


class SimpleForm(FlaskForm):
    """A button-only POST form (CSRF only)."""

    value = HiddenField()
