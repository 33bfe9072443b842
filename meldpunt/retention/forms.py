"""Forms for retention, legal holds and requests of data subjects (one column, CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from meldpunt.retention.models import REQUEST_KIND_LABELS, RequestKind
from meldpunt.retention.service import MAX_REASON


class HoldForm(FlaskForm):
    reason = TextAreaField(_l("Reden voor de bewaarplicht"),
                           description=_l("Bijvoorbeeld: lopend strafrechtelijk onderzoek, bezwaar of een rechtszaak."),
                           validators=[DataRequired(_l("Geef een reden op.")), Length(max=MAX_REASON)])
    ends_on = DateField(_l("Bewaren tot en met"), description=_l("De bewaarplicht stopt na deze datum. U kunt haar eerder opheffen."),
                        validators=[InputRequired(_l("Kies een einddatum."))])


class DecideForm(FlaskForm):
    """Approve or reject (buttons ``decision=akkoord|afwijzen``)."""


class LiftForm(FlaskForm):
    """Ask to lift an active hold; a second handler decides (buttons ``decision=akkoord|afwijzen``)."""

    lift_reason = TextAreaField("Waarom opheffen?",
                                description="Verplicht. Een andere behandelaar beslist. Tot dan blijft de bewaarplicht gelden.",
                                validators=[DataRequired("Geef een reden op."), Length(max=MAX_REASON)])


class ExtendForm(FlaskForm):
    keep_until = DateField(_l("Bewaren tot en met"), validators=[InputRequired(_l("Kies een datum."))])
    reason = TextAreaField(_l("Waarom langer bewaren?"), description=_l("Verplicht. Wij leggen vast wie dit deed en waarom."),
                           validators=[DataRequired(_l("Geef een reden op.")), Length(max=MAX_REASON)])


class RequestForm(FlaskForm):
    kind = RadioField(_l("Soort verzoek"), choices=[(k.value, _l(label)) for k, label in REQUEST_KIND_LABELS.items()],
                      default=RequestKind.ACCESS.value, validators=[InputRequired(_l("Kies de soort verzoek."))])
    reporter_email = StringField(_l("E-mailadres van de melder"),
                                 description=_l("Het account van de melder die het verzoek deed. Niet bij een verzoek van een betrokkene."),
                                 validators=[Optional(), Length(max=254)])
    details = TextAreaField(_l("Wat is er gevraagd?"),
                            description=_l("Bij een betrokkene: wie het verzoek deed en wat die vraagt. Geen inhoud van meldingen."),
                            validators=[DataRequired(_l("Beschrijf het verzoek.")), Length(max=MAX_REASON)])
    new_name = StringField(_l("Nieuwe naam"), description=_l("Alleen bij correctie."), validators=[Optional(), Length(max=200)])
    new_email = StringField(_l("Nieuw e-mailadres"), description=_l("Alleen bij correctie."),
                            validators=[Optional(), Length(max=254)])


class RequestDecisionForm(FlaskForm):
    decision_note = TextAreaField(_l("Toelichting bij het besluit"), validators=[Optional(), Length(max=MAX_REASON)])
