"""Forms for weerbaarheid (one column; choices filled by the view from the taxonomy and the accounts)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from meldpunt.resilience.models import CONTROL_LABELS, SOURCE_LABELS, STATUS_LABELS, EntryKind


OWNER_HELP = _l("Het e-mailadres waarmee de eigenaar inlogt. Iedere medewerker kan eigenaar zijn.")


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; an unknown value gets a fixed Dutch message (WTForms' own would echo the value)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(value) for value, _label in self.choices}
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError(_l("Kies uit de lijst."))


class EntryForm(FlaskForm):
    kind = RadioField(_l("Soort"), choices=[(EntryKind.PROCESS.value, _l("Werkproces")), (EntryKind.FUNCTION.value, _l("Functie"))],
                      default=EntryKind.PROCESS.value, validators=[InputRequired(_l("Kies werkproces of functie."))])
    process_code = SelectField(_l("Werkproces"), description=_l("Alleen bij een werkproces."), validators=[Optional()])
    function_name = StringField(_l("Functie"), description=_l("Alleen bij een functie. Bijvoorbeeld medewerker vergunningen, BOA of inkoper."),
                                validators=[Optional(), Length(max=120)])
    risks = TextAreaField(_l("Bekende risico's"), description=_l("Wat kan er misgaan? Bijvoorbeeld omkoping, druk van aanvragers, valse documenten."),
                          validators=[Optional(), Length(max=20000)])
    controls = MultiCheckboxField(_l("Beheersmaatregelen die er al zijn"),
                                  choices=[(c.value, _l(label)) for c, label in CONTROL_LABELS.items()])
    controls_note = TextAreaField(_l("Toelichting op de beheersmaatregelen"), validators=[Optional(), Length(max=20000)])
    owner_email = StringField(_l("E-mailadres van de eigenaar"), description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    reviewed_on = DateField(_l("Laatst beoordeeld op"), validators=[Optional()])


class MeasureForm(FlaskForm):
    source = SelectField(_l("Bron"), choices=[(s.value, _l(label)) for s, label in SOURCE_LABELS.items()])
    number = StringField(_l("Nummer in de bron"), description=_l("Bijvoorbeeld het nummer van de aanbeveling."),
                         validators=[Optional(), Length(max=30)])
    text = TextAreaField(_l("Maatregel"), description=_l("Wat moet er gebeuren? Zet geen namen van betrokkenen in de tekst."),
                         validators=[DataRequired(_l("Beschrijf de maatregel.")), Length(max=20000)])
    source_document = StringField(_l("Brondocument"), description=_l("Bijvoorbeeld ‘Weerbaarheidsscan 2026’."),
                                  validators=[Optional(), Length(max=200)])
    source_reference = StringField(_l("Casus"), description=_l("Alleen bij een leerpunt uit een casus: het nummer van de casus."),
                                   validators=[Optional(), Length(max=60)])
    signal_reference = StringField(_l("Nummer van de melding"), description=_l("Alleen bij de bron Melding. Bijvoorbeeld MO-2026-0001."),
                                   validators=[Optional(), Length(max=20)])
    process_code = SelectField(_l("Werkproces"), validators=[Optional()])
    owner_email = StringField(_l("E-mailadres van de eigenaar"), description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    due_on = DateField(_l("Klaar op"), validators=[Optional()])


class ImportForm(FlaskForm):
    source = SelectField(_l("Bron"), choices=[("weerbaarheidsscan", _l("Weerbaarheidsscan")), ("rekenkamer", _l("Rekenkamerrapport"))])
    source_document = StringField(_l("Brondocument"), description=_l("Bijvoorbeeld ‘Weerbaarheidsscan RIEC 2026’."),
                                  validators=[DataRequired(_l("Vul de naam van het brondocument in.")), Length(max=200)])
    lines = TextAreaField(_l("Aanbevelingen"), description=_l("Eén per regel: nummer en tekst, bijvoorbeeld ‘3.2 Voer het vier-ogenprincipe in’. "
                                                                         "Of CSV met puntkomma: nummer;tekst;brondocument."), validators=[Optional(), Length(max=200000)])
    csv_file = FileField(_l("Of kies een CSV-bestand"), description=_l("Kolommen: nummer, tekst en eventueel brondocument."))
    owner_email = StringField(_l("E-mailadres van de eigenaar"), description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    due_on = DateField(_l("Klaar op"), validators=[Optional()])


class ProgressForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(s.value, _l(label)) for s, label in STATUS_LABELS.items()])
    note = TextAreaField(_l("Wat is er gedaan?"), validators=[Optional(), Length(max=20000)])
    reason = TextAreaField(_l("Reden"), description=_l("Verplicht als de maatregel niet wordt overgenomen."),
                           validators=[Optional(), Length(max=20000)])
    due_on = DateField(_l("Nieuwe datum klaar"), description=_l("Alleen de regisseur kan de datum aanpassen."), validators=[Optional()])


class ReportForm(FlaskForm):
    title = StringField(_l("Titel"), description=_l("Bijvoorbeeld ‘Voortgang eerste halfjaar 2026’."),
                        validators=[DataRequired(_l("Vul een titel in.")), Length(max=120)])


class KnowledgeForm(FlaskForm):
    lookout_md = TextAreaField(_l("Waar let u op?"), description=_l("In Markdown. Bijvoorbeeld een lijst met signalen."),
                               validators=[Optional(), Length(max=50000)])
    examples_md = TextAreaField(_l("Voorbeelden uit onze gemeente"), description=_l("In Markdown. Zonder namen of adressen."),
                                validators=[Optional(), Length(max=50000)])


class SessionForm(FlaskForm):
    held_on = DateField(_l("Datum"), validators=[DataRequired(_l("Vul een geldige datum in."))])
    department = StringField(_l("Afdeling"), validators=[DataRequired(_l("Vul de afdeling in.")), Length(max=120)])
    participants = IntegerField(_l("Aantal deelnemers"), validators=[InputRequired(_l("Vul het aantal deelnemers in.")),
                                                                 NumberRange(min=0, max=10000, message=_l("Vul een aantal van 0 tot 10000 in."))])
    topic = StringField(_l("Onderwerp"), validators=[Optional(), Length(max=200)])


class EvidenceForm(FlaskForm):
    file = FileField(_l("Bewijsstuk"), description=_l("Bijvoorbeeld een besluit, werkinstructie of verslag. Eén bestand per keer."))


class SeedForm(FlaskForm):
    """The button "Startregels toevoegen" (CSRF only)."""
