"""The handler's registration form for a signal that came in by phone, e-mail, letter, ... (Dutch, B1)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, MultipleFileField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meldpunt.channels.models import FEEDBACK_LABELS, ORGANISATION_LABELS
from meldpunt.intake.forms import DutchDateField, _not_in_future, choices
from meldpunt.intake.service import DESCRIPTION_MAX


class RegisterForm(FlaskForm):
    channel = SelectField("Hoe kwam de melding binnen?", choices=[], validators=[DataRequired("Kies hoe de melding binnenkwam.")])
    received_on = DutchDateField("Wanneer kwam de melding binnen?",
                                 validators=[DataRequired("Vul de datum in, bijvoorbeeld 31-01-2026."), _not_in_future])
    organisation = SelectField("Wie gaf de melding door?", choices=choices({k.value: v for k, v in ORGANISATION_LABELS.items()}),
                               default="geen")
    organisation_name = StringField("Naam van de organisatie", description="Bijvoorbeeld ‘Politie Noord-Nederland’ of ‘gemeente Assen’. Wordt versleuteld opgeslagen.",
                                    validators=[Optional(), Length(max=300, message="Hoogstens 300 tekens.")])
    contact_person = StringField("Contactpersoon", description="Wie gaf het door? Wordt versleuteld opgeslagen.",
                                 validators=[Optional(), Length(max=300, message="Hoogstens 300 tekens.")])
    description = TextAreaField("Wat is er gemeld?",
                                description="In de woorden van de bron. Bij een e-mail (.eml) mag dit leeg blijven: de tekst van de e-mail komt hier vanzelf.",
                                validators=[Optional(), Length(max=DESCRIPTION_MAX, message="Dit is te lang.")])
    original = FileField("Het origineel", description="De e-mail als .eml-bestand, of een scan of foto van de brief. Wordt versleuteld opgeslagen.")
    attachments = MultipleFileField("Andere bijlagen")
    phenomenon_code = SelectField("Verschijningsvorm", choices=[], default="")
    process_code = SelectField("Bij welk werkproces?", choices=[], default="")
    feels_unsafe = BooleanField("De bron voelt zich onveilig of wordt bedreigd",
                                description="Dan is de melding dringend: contact binnen de termijn en een lijst met stappen.")
    feedback = RadioField("Wil de bron iets terughoren?", choices=choices({k.value: v for k, v in FEEDBACK_LABELS.items()}),
                          default="geen")
    feedback_contact = StringField("Hoe bereiken wij de bron?", description="Telefoonnummer, e-mailadres of adres. Wordt versleuteld opgeslagen.",
                                   validators=[Optional(), Length(max=300, message="Hoogstens 300 tekens.")])
    submit = SubmitField("Melding registreren")


class MmaTipForm(FlaskForm):
    """A Meld Misdaad Anoniem tip: their text pasted (the usual layout is read), their file kept."""

    raw_text = TextAreaField("De tekst van de tip",
                             description="Plak de tip zoals Meld Misdaad Anoniem hem stuurt. Tipnummer, datum, plaats, "
                                         "soort en omschrijving halen wij er zelf uit.",
                             validators=[DataRequired("Plak de tekst van de tip."),
                                         Length(max=DESCRIPTION_MAX, message="Dit is te lang.")])
    received_on = DutchDateField("Wanneer kwam de tip binnen?",
                                 validators=[DataRequired("Vul de datum in, bijvoorbeeld 31-01-2026."), _not_in_future])
    original = FileField("Het bestand van Meld Misdaad Anoniem", description="De pdf of het tekstbestand. Wordt versleuteld opgeslagen.")
    phenomenon_code = SelectField("Verschijningsvorm", choices=[], default="")
    process_code = SelectField("Bij welk werkproces?", choices=[], default="")
    submit = SubmitField("Tip invoeren")
