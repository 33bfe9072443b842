"""Forms for retention, legal holds and requests of data subjects (one column, CSRF on each)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meldpunt.retention.models import REQUEST_KIND_LABELS, RequestKind
from meldpunt.retention.service import MAX_REASON


class HoldForm(FlaskForm):
    reason = TextAreaField("Reden voor de bewaarplicht",
                           description="Bijvoorbeeld: lopend strafrechtelijk onderzoek, bezwaar of een rechtszaak.",
                           validators=[DataRequired("Geef een reden op."), Length(max=MAX_REASON)])
    ends_on = DateField("Bewaren tot en met", description="De bewaarplicht stopt na deze datum. U kunt haar eerder opheffen.",
                        validators=[InputRequired("Kies een einddatum.")])


class DecideForm(FlaskForm):
    """Approve or reject (buttons ``decision=akkoord|afwijzen``)."""


class LiftForm(FlaskForm):
    """Ask to lift an active hold; a second handler decides (buttons ``decision=akkoord|afwijzen``)."""

    lift_reason = TextAreaField("Waarom opheffen?",
                                description="Verplicht. Een andere behandelaar beslist. Tot dan blijft de bewaarplicht gelden.",
                                validators=[DataRequired("Geef een reden op."), Length(max=MAX_REASON)])


class ExtendForm(FlaskForm):
    keep_until = DateField("Bewaren tot en met", validators=[InputRequired("Kies een datum.")])
    reason = TextAreaField("Waarom langer bewaren?", description="Verplicht. Wij leggen vast wie dit deed en waarom.",
                           validators=[DataRequired("Geef een reden op."), Length(max=MAX_REASON)])


class RequestForm(FlaskForm):
    kind = RadioField("Soort verzoek", choices=[(k.value, label) for k, label in REQUEST_KIND_LABELS.items()],
                      default=RequestKind.ACCESS.value, validators=[InputRequired("Kies de soort verzoek.")])
    reporter_email = StringField("E-mailadres van de melder",
                                 description="Het account van de melder die het verzoek deed. Niet bij een verzoek van een betrokkene.",
                                 validators=[Optional(), Length(max=254)])
    details = TextAreaField("Wat is er gevraagd?",
                            description="Bij een betrokkene: wie het verzoek deed en wat die vraagt. Geen inhoud van meldingen.",
                            validators=[DataRequired("Beschrijf het verzoek."), Length(max=MAX_REASON)])
    new_name = StringField("Nieuwe naam", description="Alleen bij correctie.", validators=[Optional(), Length(max=200)])
    new_email = StringField("Nieuw e-mailadres", description="Alleen bij correctie.",
                            validators=[Optional(), Length(max=254)])


class RequestDecisionForm(FlaskForm):
    decision_note = TextAreaField("Toelichting bij het besluit", validators=[Optional(), Length(max=MAX_REASON)])
