"""Forms for weerbaarheid (one column; choices filled by the view from the taxonomy and the accounts)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, IntegerField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from meldpunt.resilience.models import CONTROL_LABELS, SOURCE_LABELS, STATUS_LABELS, EntryKind


OWNER_HELP = "Het e-mailadres waarmee de eigenaar inlogt. Iedere medewerker kan eigenaar zijn."


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes; an unknown value gets a fixed Dutch message (WTForms' own would echo the value)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        allowed = {str(value) for value, _label in self.choices}
        if any(str(value) not in allowed for value in self.data or []):
            raise ValidationError("Kies uit de lijst.")


class EntryForm(FlaskForm):
    kind = RadioField("Soort", choices=[(EntryKind.PROCESS.value, "Werkproces"), (EntryKind.FUNCTION.value, "Functie")],
                      default=EntryKind.PROCESS.value, validators=[InputRequired("Kies werkproces of functie.")])
    process_code = SelectField("Werkproces", description="Alleen bij een werkproces.", validators=[Optional()])
    function_name = StringField("Functie", description="Alleen bij een functie. Bijvoorbeeld medewerker vergunningen, BOA of inkoper.",
                                validators=[Optional(), Length(max=120)])
    risks = TextAreaField("Bekende risico's", description="Wat kan er misgaan? Bijvoorbeeld omkoping, druk van aanvragers, valse documenten.",
                          validators=[Optional(), Length(max=20000)])
    controls = MultiCheckboxField("Beheersmaatregelen die er al zijn",
                                  choices=[(c.value, label) for c, label in CONTROL_LABELS.items()])
    controls_note = TextAreaField("Toelichting op de beheersmaatregelen", validators=[Optional(), Length(max=20000)])
    owner_email = StringField("E-mailadres van de eigenaar", description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    reviewed_on = DateField("Laatst beoordeeld op", validators=[Optional()])


class MeasureForm(FlaskForm):
    source = SelectField("Bron", choices=[(s.value, label) for s, label in SOURCE_LABELS.items()])
    number = StringField("Nummer in de bron", description="Bijvoorbeeld het nummer van de aanbeveling.",
                         validators=[Optional(), Length(max=30)])
    text = TextAreaField("Maatregel", description="Wat moet er gebeuren? Zet geen namen van betrokkenen in de tekst.",
                         validators=[DataRequired("Beschrijf de maatregel."), Length(max=20000)])
    source_document = StringField("Brondocument", description="Bijvoorbeeld ‘Weerbaarheidsscan 2026’.",
                                  validators=[Optional(), Length(max=200)])
    source_reference = StringField("Casus", description="Alleen bij een leerpunt uit een casus: het nummer van de casus.",
                                   validators=[Optional(), Length(max=60)])
    signal_reference = StringField("Nummer van de melding", description="Alleen bij de bron Melding. Bijvoorbeeld MO-2026-0001.",
                                   validators=[Optional(), Length(max=20)])
    process_code = SelectField("Werkproces", validators=[Optional()])
    owner_email = StringField("E-mailadres van de eigenaar", description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    due_on = DateField("Klaar op", validators=[Optional()])


class ImportForm(FlaskForm):
    source = SelectField("Bron", choices=[("weerbaarheidsscan", "Weerbaarheidsscan"), ("rekenkamer", "Rekenkamerrapport")])
    source_document = StringField("Brondocument", description="Bijvoorbeeld ‘Weerbaarheidsscan RIEC 2026’.",
                                  validators=[DataRequired("Vul de naam van het brondocument in."), Length(max=200)])
    lines = TextAreaField("Aanbevelingen", description="Eén per regel: nummer en tekst, bijvoorbeeld ‘3.2 Voer het vier-ogenprincipe in’. "
                          "Of CSV met puntkomma: nummer;tekst;brondocument.", validators=[Optional(), Length(max=200000)])
    csv_file = FileField("Of kies een CSV-bestand", description="Kolommen: nummer, tekst en eventueel brondocument.")
    owner_email = StringField("E-mailadres van de eigenaar", description=OWNER_HELP,
                              validators=[Optional(), Length(max=254)])
    due_on = DateField("Klaar op", validators=[Optional()])


class ProgressForm(FlaskForm):
    status = SelectField("Status", choices=[(s.value, label) for s, label in STATUS_LABELS.items()])
    note = TextAreaField("Wat is er gedaan?", validators=[Optional(), Length(max=20000)])
    reason = TextAreaField("Reden", description="Verplicht als de maatregel niet wordt overgenomen.",
                           validators=[Optional(), Length(max=20000)])
    due_on = DateField("Nieuwe datum klaar", description="Alleen de regisseur kan de datum aanpassen.", validators=[Optional()])


class ReportForm(FlaskForm):
    title = StringField("Titel", description="Bijvoorbeeld ‘Voortgang eerste halfjaar 2026’.",
                        validators=[DataRequired("Vul een titel in."), Length(max=120)])


class KnowledgeForm(FlaskForm):
    lookout_md = TextAreaField("Waar let u op?", description="In Markdown. Bijvoorbeeld een lijst met signalen.",
                               validators=[Optional(), Length(max=50000)])
    examples_md = TextAreaField("Voorbeelden uit onze gemeente", description="In Markdown. Zonder namen of adressen.",
                                validators=[Optional(), Length(max=50000)])


class SessionForm(FlaskForm):
    held_on = DateField("Datum", validators=[DataRequired("Vul een geldige datum in.")])
    department = StringField("Afdeling", validators=[DataRequired("Vul de afdeling in."), Length(max=120)])
    participants = IntegerField("Aantal deelnemers", validators=[InputRequired("Vul het aantal deelnemers in."),
                                                                 NumberRange(min=0, max=10000, message="Vul een aantal van 0 tot 10000 in.")])
    topic = StringField("Onderwerp", validators=[Optional(), Length(max=200)])


class EvidenceForm(FlaskForm):
    file = FileField("Bewijsstuk", description="Bijvoorbeeld een besluit, werkinstructie of verslag. Eén bestand per keer.")


class SeedForm(FlaskForm):
    """The button "Startregels toevoegen" (CSRF only)."""
