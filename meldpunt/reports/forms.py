"""Forms of the reports pages (Flask-WTF, CSRF on every form)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from meldpunt.reports.models import THEMES, Rag


class NewReportForm(FlaskForm):
    start = DateField("Eerste dag", description="Bijvoorbeeld 1 januari: het begin van het kwartaal.",
                      validators=[InputRequired("Vul de eerste dag van de periode in.")])
    end = DateField("Laatste dag", description="Bijvoorbeeld 31 maart: het einde van het kwartaal.",
                    validators=[InputRequired("Vul de laatste dag van de periode in.")])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError("De laatste dag ligt voor de eerste dag.")


class ApproveForm(FlaskForm):
    """A button only (CSRF)."""


def _themes_form() -> type[FlaskForm]:
    class Themes(FlaskForm):
        pass

    for key, title in THEMES.items():
        setattr(Themes, f"rag_{key}", RadioField(
            f"Kleur voor ‘{title}’", choices=[(r.value, r.label) for r in Rag],
            validators=[InputRequired(f"Kies een kleur voor ‘{title}’.")]))
        setattr(Themes, f"explanation_{key}", TextAreaField(
            f"Toelichting bij ‘{title}’", description="Verplicht. Leg uit waarom u deze kleur kiest. Geen namen.",
            validators=[DataRequired(f"Schrijf een toelichting bij ‘{title}’."), Length(max=5000)]))
    return Themes


ThemesForm = _themes_form()


class ExampleForm(FlaskForm):
    quarter = SelectField("Kwartaal", choices=[])
    text = TextAreaField("Voorbeeld", description="Wat leverde een melding op? Schrijf zonder namen, adressen of "
                                                  "andere details waaraan iemand te herkennen is.",
                         validators=[DataRequired("Schrijf het voorbeeld."), Length(max=2000)])
