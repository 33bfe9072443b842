"""The handler's registration form for a signal that came in by phone, e-mail, letter, ... (Dutch, B1)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, FileField, MultipleFileField, RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from meldpunt.channels.models import FEEDBACK_LABELS, ORGANISATION_LABELS
from meldpunt.intake.forms import DutchDateField, _not_in_future, choices
from meldpunt.intake.service import DESCRIPTION_MAX


class RegisterForm(FlaskForm):
    channel = SelectField(_l("Hoe kwam de melding binnen?"), choices=[], validators=[DataRequired(_l("Kies hoe de melding binnenkwam."))])
    received_on = DutchDateField(_l("Wanneer kwam de melding binnen?"),
                                 validators=[DataRequired(_l("Vul de datum in, bijvoorbeeld 31-01-2026.")), _not_in_future])
    organisation = SelectField(_l("Wie gaf de melding door?"), choices=choices({k.value: v for k, v in ORGANISATION_LABELS.items()}),
                               default="geen")
    organisation_name = StringField(_l("Naam van de organisatie"), description=_l("Bijvoorbeeld ‘Politie Noord-Nederland’ of ‘gemeente Assen’. Wordt versleuteld opgeslagen."),
                                    validators=[Optional(), Length(max=300, message=_l("Hoogstens 300 tekens."))])
    contact_person = StringField(_l("Contactpersoon"), description=_l("Wie gaf het door? Wordt versleuteld opgeslagen."),
                                 validators=[Optional(), Length(max=300, message=_l("Hoogstens 300 tekens."))])
    description = TextAreaField(_l("Wat is er gemeld?"),
                                description=_l("In de woorden van de bron. Bij een e-mail (.eml) mag dit leeg blijven: de tekst van de e-mail komt hier vanzelf."),
                                validators=[Optional(), Length(max=DESCRIPTION_MAX, message=_l("Dit is te lang."))])
    original = FileField(_l("Het origineel"), description=_l("De e-mail als .eml-bestand, of een scan of foto van de brief. Wordt versleuteld opgeslagen."))
    attachments = MultipleFileField(_l("Andere bijlagen"))
    phenomenon_code = SelectField(_l("Verschijningsvorm"), choices=[], default="")
    process_code = SelectField(_l("Bij welk werkproces?"), choices=[], default="")
    feels_unsafe = BooleanField(_l("De bron voelt zich onveilig of wordt bedreigd"),
                                description=_l("Dan is de melding dringend: contact binnen de termijn en een lijst met stappen."))
    feedback = RadioField(_l("Wil de bron iets terughoren?"), choices=choices({k.value: v for k, v in FEEDBACK_LABELS.items()}),
                          default="geen")
    feedback_contact = StringField(_l("Hoe bereiken wij de bron?"), description=_l("Telefoonnummer, e-mailadres of adres. Wordt versleuteld opgeslagen."),
                                   validators=[Optional(), Length(max=300, message=_l("Hoogstens 300 tekens."))])
    submit = SubmitField(_l("Melding registreren"))


class MmaTipForm(FlaskForm):
    """A Meld Misdaad Anoniem tip: their text pasted (the usual layout is read), their file kept."""

    raw_text = TextAreaField(_l("De tekst van de tip"),
                             description=_l("Plak de tip zoals Meld Misdaad Anoniem hem stuurt. Tipnummer, datum, plaats, "
                                            "soort en omschrijving halen wij er zelf uit."),
                             validators=[DataRequired(_l("Plak de tekst van de tip.")),
                                         Length(max=DESCRIPTION_MAX, message=_l("Dit is te lang."))])
    received_on = DutchDateField(_l("Wanneer kwam de tip binnen?"),
                                 validators=[DataRequired(_l("Vul de datum in, bijvoorbeeld 31-01-2026.")), _not_in_future])
    original = FileField(_l("Het bestand van Meld Misdaad Anoniem"), description=_l("De pdf of het tekstbestand. Wordt versleuteld opgeslagen."))
    phenomenon_code = SelectField(_l("Verschijningsvorm"), choices=[], default="")
    process_code = SelectField(_l("Bij welk werkproces?"), choices=[], default="")
    submit = SubmitField(_l("Tip invoeren"))
