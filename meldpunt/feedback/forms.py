"""Forms of the feedback pages (CSRF via Flask-WTF)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField, TextAreaField
from wtforms.validators import Length

from meldpunt.feedback.service import FEEDBACK_MAX, FEEDBACK_TEMPLATES


class FeedbackForm(FlaskForm):
    template = SelectField(
        "Standaardtekst",
        choices=[("", "Geen: ik schrijf zelf")] + [(code, label) for code, (label, _text) in FEEDBACK_TEMPLATES.items()],
        default="",
        description="Kies een tekst om mee te beginnen. U kunt hem daarna aanpassen.",
    )
    text = TextAreaField(
        "Terugkoppeling aan de melder",
        validators=[Length(max=FEEDBACK_MAX, message=f"Hoogstens {FEEDBACK_MAX} tekens.")],
        description="Op hoofdlijnen: noem geen namen, adressen of andere details uit het onderzoek.",
    )
    insert = SubmitField("Tekst invoegen")
    preview = SubmitField("Voorbeeld bekijken")
    send = SubmitField("Versturen aan de melder")


class MarkReadForm(FlaskForm):
    """Only the CSRF token: marking read is a POST."""


class RetryForm(FlaskForm):
    """Only the CSRF token: "Opnieuw proberen" is a POST."""
