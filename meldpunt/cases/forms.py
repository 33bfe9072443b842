"""Forms for cases (casussen)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meldpunt.cases.models import INTERVENTION_LABELS, CaseStatus


class NewCaseForm(FlaskForm):
    title = StringField("Korte naam van de casus", description="Zonder namen of adressen, bijvoorbeeld ‘Casus bedrijventerrein Noord’.",
                        validators=[DataRequired("Vul een korte naam in."), Length(max=200)])
    references = StringField("Meldingen", description="Nummers van de meldingen, gescheiden door komma's. Bijvoorbeeld MO-2026-0001.",
                             validators=[Optional(), Length(max=2000)])
    submit = SubmitField("Casus maken")


class CaseForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    title = StringField("Korte naam van de casus", validators=[DataRequired("Vul een korte naam in."), Length(max=200)])
    risk_picture = TextAreaField("Risicobeeld", description="Wat is er aan de hand, wat is het risico voor de gemeente?",
                                 validators=[Optional(), Length(max=20000)])
    status = SelectField("Status", choices=[(CaseStatus.OPEN.value, "Open"), (CaseStatus.MONITORING.value, "Monitoren")])
    submit = SubmitField("Opslaan")


class AddSignalForm(FlaskForm):
    reference = StringField("Nummer van de melding", validators=[DataRequired("Vul het nummer van de melding in."), Length(max=20)])
    submit = SubmitField("Melding koppelen")


class InterventionForm(FlaskForm):
    kind = SelectField("Voorgestelde interventie", choices=[(k.value, v) for k, v in INTERVENTION_LABELS.items()])
    note = TextAreaField("Toelichting", validators=[Optional(), Length(max=20000)])
    submit = SubmitField("Interventie toevoegen")


class CloseCaseForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()])
    reason = TextAreaField("Reden van afsluiten", description="De meldingen in de casus worden ook afgesloten; de melders horen dat op hoofdlijnen.",
                           validators=[DataRequired("Vul de reden van afsluiten in."), Length(max=5000)])
    submit = SubmitField("Casus afsluiten")


class SimpleForm(FlaskForm):
    """A button-only POST form (CSRF only)."""

    value = HiddenField()
