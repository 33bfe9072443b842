"""Forms of the reports pages (Flask-WTF, CSRF on every form)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from meldpunt.reports.models import THEMES, Rag


class NewReportForm(FlaskForm):
    start = DateField(_l("Eerste dag"), description=_l("Bijvoorbeeld 1 januari: het begin van het kwartaal."),
                      validators=[InputRequired(_l("Vul de eerste dag van de periode in."))])
    end = DateField(_l("Laatste dag"), description=_l("Bijvoorbeeld 31 maart: het einde van het kwartaal."),
                    validators=[InputRequired(_l("Vul de laatste dag van de periode in."))])

    def validate_end(self, field) -> None:
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("De laatste dag ligt voor de eerste dag."))


class ApproveForm(FlaskForm):
    """A button only (CSRF)."""


def _themes_form() -> type[FlaskForm]:
    class Themes(FlaskForm):
        pass

    for key, title in THEMES.items():
        setattr(Themes, f"rag_{key}", RadioField(
            _l("Kleur voor ‘%(title)s’", title=title), choices=[(r.value, r.label) for r in Rag],
            validators=[InputRequired(_l("Kies een kleur voor ‘%(title)s’.", title=title))]))
        setattr(Themes, f"explanation_{key}", TextAreaField(
            _l("Toelichting bij ‘%(title)s’", title=title), description=_l("Verplicht. Leg uit waarom u deze kleur kiest. Geen namen."),
            validators=[DataRequired(_l("Schrijf een toelichting bij ‘%(title)s’.", title=title)), Length(max=5000)]))
    return Themes


ThemesForm = _themes_form()


class ExampleForm(FlaskForm):
    quarter = SelectField(_l("Kwartaal"), choices=[])
    text = TextAreaField(_l("Voorbeeld"), description=_l("Wat leverde een melding op? Schrijf zonder namen, adressen of "
                                                     "andere details waaraan iemand te herkennen is."),
                         validators=[DataRequired(_l("Schrijf het voorbeeld.")), Length(max=2000)])
