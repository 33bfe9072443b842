"""Forms of the feedback pages (CSRF via Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Length

from meldpunt.feedback.service import FEEDBACK_MAX, FEEDBACK_TEMPLATES


class FeedbackForm(FlaskForm):
    template = SelectField(
        _l("Standaardtekst"),
        choices=[("", _l("Geen: ik schrijf zelf"))] + [(code, label) for code, (label, _text) in FEEDBACK_TEMPLATES.items()],
        default="",
        description=_l("Kies een tekst om mee te beginnen. U kunt hem daarna aanpassen."),
    )
    text = TextAreaField(
        _l("Terugkoppeling aan de melder"),
        validators=[Length(max=FEEDBACK_MAX, message=_l("Hoogstens %(limit)s tekens.", limit=FEEDBACK_MAX))],
        description=_l("Op hoofdlijnen: noem geen namen, adressen of andere details uit het onderzoek."),
    )
    insert = SubmitField(_l("Tekst invoegen"))
    preview = SubmitField(_l("Voorbeeld bekijken"))
    send = SubmitField(_l("Versturen aan de melder"))


class MarkReadForm(FlaskForm):
    """Only the CSRF token: marking read is a POST."""


class RetryForm(FlaskForm):
    """Only the CSRF token: "Opnieuw proberen" is a POST."""
