"""Forms on the handler's signal page. Every form carries the signal's version (optimistic locking)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
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
        _l("Reden"),
        description=_l("Vertrouwelijk: de melder ziet deze reden niet, alleen de nieuwe status op hoofdlijnen."),
        validators=[Optional(), Length(max=5000, message=_l("Hoogstens 5.000 tekens."))],
    )
    submit = SubmitField(_l("Opslaan"))


class ForwardForm(VersionedForm):
    authority = SelectField(_l("Naar wie?"), choices=[(k.value, _l(v)) for k, v in AUTHORITY_LABELS.items()],
                            validators=[DataRequired(_l("Kies naar wie u de melding doorzendt."))])
    recipient = StringField(_l("Welke afdeling of gemeente precies"), validators=[Optional(), Length(max=300)],
                            description=_l("Bijvoorbeeld: gemeente Assen, team Bibob."))
    legal_basis = TextAreaField(_l("Grondslag"), description=_l("Op welke wettelijke grondslag deelt u deze gegevens? Bijvoorbeeld art. 26 Wet Bibob."),
                                validators=[DataRequired(_l("Vul de grondslag in.")), Length(max=1000)])
    reason = TextAreaField(_l("Waarom doorzenden?"), validators=[DataRequired(_l("Vul de reden in.")), Length(max=5000)])
    submit = SubmitField(_l("Doorzenden"))


class AssignForm(VersionedForm):
    assignee_id = SelectField(_l("Behandelaar"), coerce=str, choices=[])
    submit = SubmitField(_l("Toewijzen"))


class NoteForm(FlaskForm):
    register = SelectField(_l("Welk register?"), choices=[(k.value, _l(v)) for k, v in REGISTER_LABELS.items()],
                           validators=[DataRequired(_l("Kies het register."))])
    consulted_on = DateField(_l("Datum van raadplegen"), validators=[DataRequired(_l("Vul een geldige datum in."))])
    source = StringField(_l("Bron"), description=_l("Welk dossier, welke zoekvraag of welke collega."),
                         validators=[DataRequired(_l("Vul de bron in.")), Length(max=500)])
    legal_basis = StringField(_l("Grondslag (doelbinding)"), description=_l("Waarom mag u dit register hiervoor gebruiken?"),
                              validators=[DataRequired(_l("Vul de grondslag in.")), Length(max=1000)])
    content = TextAreaField(_l("Wat vond u?"), validators=[DataRequired(_l("Vul in wat u vond.")), Length(max=20000)])
    submit = SubmitField(_l("Notitie opslaan"))


class SubjectForm(FlaskForm):
    kind = SelectField(_l("Soort"), choices=[("persoon", _l("Persoon")), ("bedrijf", _l("Bedrijf of organisatie")),
                                         ("adres", _l("Adres of pand")), ("voertuig", _l("Voertuig"))])
    name = StringField(_l("Naam"), validators=[Optional(), Length(max=200)])
    kvk = StringField(_l("KvK-nummer"), validators=[Optional(), Length(max=200)])
    street = StringField(_l("Straat"), validators=[Optional(), Length(max=200)])
    huisnummer = StringField(_l("Huisnummer"), validators=[Optional(), Length(max=200)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=200)])
    city = StringField(_l("Plaats"), validators=[Optional(), Length(max=200)])
    plate = StringField(_l("Kenteken"), validators=[Optional(), Length(max=200)])
    permit = StringField(_l("Vergunningnummer"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Betrokkene toevoegen"))


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Bericht aan de melder"), description=_l("De melder krijgt een melding dat er een bericht is."),
                         validators=[DataRequired(_l("Schrijf eerst uw bericht.")), Length(max=10000)])
    submit = SubmitField(_l("Bericht versturen"))


class DecisionForm(FlaskForm):
    decision = HiddenField(validators=[DataRequired()])
    submit = SubmitField(_l("Opslaan"))


class RevealReporterForm(FlaskForm):
    """The "Toon melder" button: only the CSRF token. A POST, because showing the identity is an audited read."""


class CheckboxesField(SelectMultipleField):
    """Several choices as a group of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class ClassifyForm(VersionedForm):
    """Re-classify during triage: the primary phenomenon, any others, the work process (choices from the view)."""

    phenomenon_code = SelectField(_l("Belangrijkste verschijningsvorm"), choices=[], validate_choice=False)
    other_phenomena = CheckboxesField(_l("Lijkt het ook op"), choices=[], validate_choice=False)
    process_code = SelectField(_l("Werkproces"), choices=[], validate_choice=False)
    submit = SubmitField(_l("Indeling opslaan"))
