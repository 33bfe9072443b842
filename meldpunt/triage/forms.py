"""Forms on the handler's signal page. Every form carries the signal's version (optimistic locking)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meldpunt.triage.models import AUTHORITY_LABELS, REGISTER_LABELS


class VersionedForm(FlaskForm):
    version = IntegerField(validators=[InputRequired()], render_kw={"hidden": True})


class TransitionForm(VersionedForm):
    target = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(
        "Reden",
        description="Vertrouwelijk: de melder ziet deze reden niet, alleen de nieuwe status op hoofdlijnen.",
        validators=[Optional(), Length(max=5000, message="Hoogstens 5.000 tekens.")],
    )
    submit = SubmitField("Opslaan")


class ForwardForm(VersionedForm):
    authority = SelectField("Naar wie?", choices=[(k.value, v) for k, v in AUTHORITY_LABELS.items()],
                            validators=[DataRequired("Kies naar wie u de melding doorzendt.")])
    recipient = StringField("Welke afdeling of gemeente precies", validators=[Optional(), Length(max=300)],
                            description="Bijvoorbeeld: gemeente Assen, team Bibob.")
    legal_basis = TextAreaField("Grondslag", description="Op welke wettelijke grondslag deelt u deze gegevens? Bijvoorbeeld art. 26 Wet Bibob.",
                                validators=[DataRequired("Vul de grondslag in."), Length(max=1000)])
    reason = TextAreaField("Waarom doorzenden?", validators=[DataRequired("Vul de reden in."), Length(max=5000)])
    submit = SubmitField("Doorzenden")


class AssignForm(VersionedForm):
    assignee_id = SelectField("Behandelaar", coerce=str, choices=[])
    submit = SubmitField("Toewijzen")


class NoteForm(FlaskForm):
    register = SelectField("Welk register?", choices=[(k.value, v) for k, v in REGISTER_LABELS.items()],
                           validators=[DataRequired("Kies het register.")])
    consulted_on = DateField("Datum van raadplegen", validators=[DataRequired("Vul een geldige datum in.")])
    source = StringField("Bron", description="Welk dossier, welke zoekvraag of welke collega.",
                         validators=[DataRequired("Vul de bron in."), Length(max=500)])
    legal_basis = StringField("Grondslag (doelbinding)", description="Waarom mag u dit register hiervoor gebruiken?",
                              validators=[DataRequired("Vul de grondslag in."), Length(max=1000)])
    content = TextAreaField("Wat vond u?", validators=[DataRequired("Vul in wat u vond."), Length(max=20000)])
    submit = SubmitField("Notitie opslaan")


class SubjectForm(FlaskForm):
    kind = SelectField("Soort", choices=[("persoon", "Persoon"), ("bedrijf", "Bedrijf of organisatie"),
                                         ("adres", "Adres of pand"), ("voertuig", "Voertuig")])
    name = StringField("Naam", validators=[Optional(), Length(max=200)])
    kvk = StringField("KvK-nummer", validators=[Optional(), Length(max=200)])
    street = StringField("Straat", validators=[Optional(), Length(max=200)])
    huisnummer = StringField("Huisnummer", validators=[Optional(), Length(max=200)])
    postcode = StringField("Postcode", validators=[Optional(), Length(max=200)])
    city = StringField("Plaats", validators=[Optional(), Length(max=200)])
    plate = StringField("Kenteken", validators=[Optional(), Length(max=200)])
    permit = StringField("Vergunningnummer", validators=[Optional(), Length(max=200)])
    submit = SubmitField("Betrokkene toevoegen")


class MessageForm(FlaskForm):
    body = TextAreaField("Bericht aan de melder", description="De melder krijgt een melding dat er een bericht is.",
                         validators=[DataRequired("Schrijf eerst uw bericht."), Length(max=10000)])
    submit = SubmitField("Bericht versturen")


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    submit = SubmitField("Opslaan")


class RevealReporterForm(FlaskForm):
    """The "Toon melder" button: only the CSRF token. A POST, because showing the identity is an audited read."""


class CheckboxesField(SelectMultipleField):
    """Several choices as a group of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ClassifyForm(VersionedForm):
    """Re-classify during triage: the primary phenomenon, any others, the work process (choices from the view)."""

    phenomenon_code = SelectField("Belangrijkste verschijningsvorm", choices=[], validate_choice=False)
    other_phenomena = CheckboxesField("Lijkt het ook op", choices=[], validate_choice=False)
    process_code = SelectField("Werkproces", choices=[], validate_choice=False)
    submit = SubmitField("Indeling opslaan")
