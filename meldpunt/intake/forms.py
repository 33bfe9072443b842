"""Forms of the reporter's pages. Labels, help and messages in plain Dutch (B1)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

try:  # WTForms >= 3.3; tuples still work before that
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label=None, render_kw=None):  # noqa: N802
        return (value, label if label is not None else value, render_kw or {})

from meldpunt.vault.keys import normalise_huisnummer, normalise_kvk, normalise_postcode
from meldpunt.intake.models import APPROACH_LABELS, APPROACHED_LABELS
from meldpunt.intake.service import CERTAINTY_LABELS, DESCRIPTION_MAX, RELATION_LABELS, TEXT_MAX
from meldpunt.intake.subjects import FIELD_MAX, KIND_LABELS

def choices(labels: dict[str, str], help_texts: dict[str, str] | None = None) -> list:
    """Choices for a select or radio field; ``help_texts`` go into ``data-help`` of each option."""
    help_texts = help_texts or {}
    return [
        SelectChoice(value, label, {"data-help": help_texts[value]} if help_texts.get(value) else {})
        for value, label in labels.items()
    ]


SUBJECT_SLOTS = 3  # subject blocks on the form: the first open, the others behind "nog een betrokkene"


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=f"Dit is te lang: hoogstens {limit:,} tekens.".replace(",", "."))


def _normaliser(check):
    def validate(form, field) -> None:
        if field.data and field.data.strip():
            try:
                check(field.data)
            except ValueError as exc:
                raise ValidationError(str(exc)) from None

    return validate


def _not_in_future(form, field) -> None:
    if field.data and field.data > date.today():
        raise ValidationError("Deze datum ligt in de toekomst.")


class DutchDateField(DateField):
    """A date from ``<input type=date>`` (YYYY-MM-DD) or typed as 31-01-2026; Dutch error."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("format", ["%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"])
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            self.data = None
            raise ValueError("Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-01-2026.") from None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by ``intake/_fields.html`` ``checkboxes``)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubjectForm(Form):
    """One betrokkene. Every field is optional; an empty block is ignored."""

    kind = SelectField(
        "Wat voor betrokkene?",
        choices=choices({"": "Weet ik niet", **KIND_LABELS}),
        default="",
    )
    name = StringField("Naam", description="Van de persoon of het bedrijf.", validators=[Optional(), _too_long(FIELD_MAX)])
    kvk = StringField(
        "KvK-nummer", description="8 cijfers, bijvoorbeeld 12345678.",
        validators=[Optional(), _normaliser(normalise_kvk)],
    )
    street = StringField("Straat", validators=[Optional(), _too_long(FIELD_MAX)])
    huisnummer = StringField(
        "Huisnummer", description="Met toevoeging, bijvoorbeeld 12a.",
        validators=[Optional(), _normaliser(normalise_huisnummer)],
    )
    postcode = StringField(
        "Postcode", description="Bijvoorbeeld 1234 AB.", validators=[Optional(), _normaliser(normalise_postcode)]
    )
    city = StringField("Plaats", validators=[Optional(), _too_long(FIELD_MAX)])
    plate = StringField("Kenteken", description="Bijvoorbeeld 12-ABC-3.", validators=[Optional(), _too_long(40)])
    permit = StringField("Vergunningnummer", validators=[Optional(), _too_long(80)])
    role = StringField(
        "Rol", description="Bijvoorbeeld eigenaar, aanvrager, bewoner of bezoeker.",
        validators=[Optional(), _too_long(FIELD_MAX)],
    )


class SignalForm(FlaskForm):
    """The melden form ("een A4'tje"): only the description is required."""

    description = TextAreaField(
        "Wat heeft u gezien of gehoord?",
        description="Beschrijf het in uw eigen woorden. Wie, wat, waar en wanneer helpt ons het meest.",
        validators=[DataRequired("Beschrijf wat u heeft gezien of gehoord."), _too_long(DESCRIPTION_MAX)],
    )
    feels_unsafe = BooleanField(
        "Ik voel me onveilig of word bedreigd",
        description="Dan neemt het meldpunt zo snel mogelijk contact met u op. Bij direct gevaar: bel 112.",
    )
    about_colleague = BooleanField(
        "Dit gaat over een collega",
        description="Dan gaat uw melding naar de integriteitscoördinator, niet naar de OOV-regisseur.",
    )
    location = StringField(
        "Waar was het?",
        description="Een adres, een plek of een omschrijving, bijvoorbeeld ‘bedrijventerrein De Vaart, de loods achteraan’.",
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    location_type_code = SelectField("Wat voor plek is het?", choices=[], default="")
    occurred_from = DutchDateField(
        "Wanneer was het?", description="De datum, of de eerste dag als het vaker gebeurde.",
        validators=[Optional(), _not_in_future],
    )
    occurred_until = DutchDateField(
        "Tot en met", description="Alleen als het over een periode gaat.", validators=[Optional(), _not_in_future]
    )
    occurred_text = StringField(
        "Of omschrijf wanneer", description="Bijvoorbeeld ‘elke vrijdagavond sinds de zomer’.",
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    subjects = FieldList(FormField(SubjectForm), min_entries=SUBJECT_SLOTS, max_entries=SUBJECT_SLOTS)
    process_code = SelectField("Bij welk werkproces zag u het?", choices=[], default="")
    phenomenon_code = SelectField(
        "Verschijningsvorm", description="De soort ondermijning, bijvoorbeeld witwassen of drugs. Weet u het niet? Laat dit open.",
        choices=[], default="",
    )
    other_phenomena = CheckboxesField(
        "Past er nog een verschijningsvorm bij?", description="Kies er meer als het op meer dan één soort ondermijning lijkt.",
        choices=[], validate_choice=False,
    )
    approached = SelectField(
        "Wie werd benaderd?", description="Als iemand probeerde iets gedaan te krijgen.",
        choices=choices({"": "Niemand of weet ik niet", **APPROACHED_LABELS}), default="",
    )
    approach = SelectField(
        "Hoe werd diegene benaderd?", choices=choices({"": "Weet ik niet", **APPROACH_LABELS}), default="",
    )
    #: "Ik werk bij …" (named: starts from the account) or "Bij welke afdeling werkt u?" (anonymous, optional).
    department_code = SelectField("Ik werk bij", choices=[], default="")
    certainty = RadioField(
        "Hoe zeker bent u?", choices=choices(CERTAINTY_LABELS), validators=[Optional()]
    )
    relation = SelectField(
        "Wat is uw relatie tot de betrokkene?",
        choices=choices({"": "Zeg ik liever niet", **RELATION_LABELS}),
        default="",
    )
    relation_text = StringField(
        "Toelichting op uw relatie", description="Bijvoorbeeld ‘ik behandel zijn vergunningaanvraag’.",
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    attachments = MultipleFileField("Bijlagen")
    feedback = RadioField("Wilt u horen wat er met uw melding gebeurt?", choices=[], default=None)
    contact = StringField(
        "Hoe kunnen wij u het beste bereiken?",
        description="Bijvoorbeeld uw telefoonnummer, als u liever gebeld wordt.",
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    #: Idempotency key: a random value per form (set in the view); a second POST of it files nothing.
    idempotency_key = HiddenField()
    #: "Controleer uw melding" (issue 22 item 4): the form is kept server-side and shown for checking first.
    check = SubmitField("Controleer uw melding")
    submit = SubmitField("Melding versturen")

    def validate_occurred_until(self, field) -> None:
        if field.data and self.occurred_from.data and field.data < self.occurred_from.data:
            raise ValidationError("De einddatum ligt vóór de begindatum.")


FEEDBACK_CHOICES_NAMED = {
    "app": "Ja, in Mijn meldingen",
    "email": "Ja, en stuur mij ook een e-mail als er nieuws is (zonder inhoud)",
    "nee": "Nee, dat hoeft niet",
}
FEEDBACK_CHOICES_ANONYMOUS = {
    "code": "Ja, ik kijk zelf met mijn ontvangstcode",
    "nee": "Nee, dat hoeft niet",
}


class ReceiptForm(FlaskForm):
    code = StringField(
        "Uw ontvangstcode",
        description="20 tekens, bijvoorbeeld ABCD EFGH JKMN PQRS TVWX. Spaties, streepjes en hoofdletters maken niet uit.",
        validators=[DataRequired("Vul uw ontvangstcode in.")],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "class": "input-code"},
    )
    submit = SubmitField("Melding openen")


class ReplyForm(FlaskForm):
    """The reporter answers a question or adds information (text and/or files)."""

    body = TextAreaField(
        "Uw bericht of aanvulling",
        description="Beantwoord een vraag of vertel wat u nog weet.",
        validators=[Optional(), _too_long(10_000)],
    )
    attachments = MultipleFileField("Bestanden toevoegen")
    submit = SubmitField("Versturen")


class CloseReceiptForm(FlaskForm):
    submit = SubmitField("Melding sluiten")


class SendDraftForm(FlaskForm):
    """The button on the "Controleer uw melding" page (its own CSRF token; the draft is server-side)."""

    submit = SubmitField("Melding versturen")
