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
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

try:  # WTForms >= 3.3; tuples still work before that
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover
    def SelectChoice(value, label=None, render_kw=None):  # noqa: N802
        return (value, label if label is not None else value, render_kw or {})

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from meldpunt.i18n import N_
from meldpunt.vault.keys import normalise_huisnummer, normalise_kvk, normalise_postcode
from meldpunt.intake.models import APPROACH_LABELS, APPROACHED_LABELS
from meldpunt.intake.service import CERTAINTY_LABELS, DESCRIPTION_MAX, RELATION_LABELS, TEXT_MAX
from meldpunt.intake.subjects import FIELD_MAX, KIND_LABELS

def choices(labels: dict[str, str], help_texts: dict[str, str] | None = None) -> list:
    """Choices for a select or radio field; ``help_texts`` go into ``data-help`` of each option."""
    help_texts = help_texts or {}
    return [
        SelectChoice(value, _l(label) if isinstance(label, str) and label else label, {"data-help": help_texts[value]} if help_texts.get(value) else {})
        for value, label in labels.items()
    ]


#: The messages of the normalisers in meldpunt.crypto.blind_index (which imports nothing of meldpunt, so
#: it cannot mark them itself): listed here for the catalog, translated where they are shown.
NORMALISER_MESSAGES = (
    N_("Een KvK-nummer heeft 8 cijfers."),
    N_("Een postcode bestaat uit 4 cijfers en 2 letters, bijvoorbeeld 1234 AB."),
    N_("Een huisnummer begint met een getal, bijvoorbeeld 12 of 12a."),
    N_("Vul een naam in."),
    N_("Vul een kenteken in."),
    N_("Vul een vergunningnummer in."),
    N_("Deze waarde is leeg."),
)

SUBJECT_SLOTS = 3  # subject blocks on the form: the first open, the others behind "nog een betrokkene"


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Dit is te lang: hoogstens %(limit)s tekens.", limit=f"{limit:,}".replace(",", ".")))


def _normaliser(check):
    def validate(form, field) -> None:
        if field.data and field.data.strip():
            try:
                check(field.data)
            except ValueError as exc:
                raise ValidationError(gettext(str(exc))) from None

    return validate


def _not_in_future(form, field) -> None:
    if field.data and field.data > date.today():
        raise ValidationError(gettext("Deze datum ligt in de toekomst."))


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
            raise ValueError(gettext("Vul een datum in als dag-maand-jaar, bijvoorbeeld 31-01-2026.")) from None


class CheckboxesField(SelectMultipleField):
    """Several choices as checkboxes (rendered in a fieldset by ``intake/_fields.html`` ``checkboxes``)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SubjectForm(Form):
    """One betrokkene. Every field is optional; an empty block is ignored."""

    kind = SelectField(
        _l("Wat voor betrokkene?"),
        choices=choices({"": N_("Weet ik niet"), **KIND_LABELS}),
        default="",
    )
    name = StringField(_l("Naam"), description=_l("Van de persoon of het bedrijf."), validators=[Optional(), _too_long(FIELD_MAX)])
    kvk = StringField(
        _l("KvK-nummer"), description=_l("8 cijfers, bijvoorbeeld 12345678."),
        validators=[Optional(), _normaliser(normalise_kvk)],
    )
    street = StringField(_l("Straat"), validators=[Optional(), _too_long(FIELD_MAX)])
    huisnummer = StringField(
        _l("Huisnummer"), description=_l("Met toevoeging, bijvoorbeeld 12a."),
        validators=[Optional(), _normaliser(normalise_huisnummer)],
    )
    postcode = StringField(
        _l("Postcode"), description=_l("Bijvoorbeeld 1234 AB."), validators=[Optional(), _normaliser(normalise_postcode)]
    )
    city = StringField(_l("Plaats"), validators=[Optional(), _too_long(FIELD_MAX)])
    plate = StringField(_l("Kenteken"), description=_l("Bijvoorbeeld 12-ABC-3."), validators=[Optional(), _too_long(40)])
    permit = StringField(_l("Vergunningnummer"), validators=[Optional(), _too_long(80)])
    role = StringField(
        _l("Rol"), description=_l("Bijvoorbeeld eigenaar, aanvrager, bewoner of bezoeker."),
        validators=[Optional(), _too_long(FIELD_MAX)],
    )


class SignalForm(FlaskForm):
    """The melden form ("een A4'tje"): only the description is required."""

    description = TextAreaField(
        _l("Wat heeft u gezien of gehoord?"),
        description=_l("Beschrijf het in uw eigen woorden. Wie, wat, waar en wanneer helpt ons het meest."),
        validators=[DataRequired(_l("Beschrijf wat u heeft gezien of gehoord.")), _too_long(DESCRIPTION_MAX)],
    )
    feels_unsafe = BooleanField(
        _l("Ik voel me onveilig of word bedreigd"),
        description=_l("Dan neemt het meldpunt zo snel mogelijk contact met u op. Bij direct gevaar: bel 112."),
    )
    about_colleague = BooleanField(
        _l("Dit gaat over een collega"),
        description=_l("Dan gaat uw melding naar de integriteitscoördinator, niet naar de OOV-regisseur."),
    )
    location = StringField(
        _l("Waar was het?"),
        description=_l("Een adres, een plek of een omschrijving, bijvoorbeeld ‘bedrijventerrein De Vaart, de loods achteraan’."),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    location_type_code = SelectField(_l("Wat voor plek is het?"), choices=[], default="")
    area_code = StringField(
        _l("In welk postcodegebied? (niet verplicht)"),
        description=_l("Alleen de 4 cijfers van de postcode, bijvoorbeeld 7731. Zo ziet de regisseur in welk gebied "
                       "het speelt, zonder dat het adres in de cijfers staat."),
        filters=[lambda value: (value or "").strip() or None],
        validators=[Optional(), Regexp(r"^[1-9][0-9]{3}$", message=_l(
            "Vul alleen de 4 cijfers van de postcode in, bijvoorbeeld 7731."))],
    )
    occurred_from = DutchDateField(
        _l("Wanneer was het?"), description=_l("De datum, of de eerste dag als het vaker gebeurde."),
        validators=[Optional(), _not_in_future],
    )
    occurred_until = DutchDateField(
        _l("Tot en met"), description=_l("Alleen als het over een periode gaat."), validators=[Optional(), _not_in_future]
    )
    occurred_text = StringField(
        _l("Of omschrijf wanneer"), description=_l("Bijvoorbeeld ‘elke vrijdagavond sinds de zomer’."),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    subjects = FieldList(FormField(SubjectForm), min_entries=SUBJECT_SLOTS, max_entries=SUBJECT_SLOTS)
    process_code = SelectField(_l("Bij welk werkproces zag u het?"), choices=[], default="")
    phenomenon_code = SelectField(
        _l("Verschijningsvorm"), description=_l("De soort ondermijning, bijvoorbeeld witwassen of drugs. Weet u het niet? Laat dit open."),
        choices=[], default="",
    )
    other_phenomena = CheckboxesField(
        _l("Past er nog een verschijningsvorm bij?"), description=_l("Kies er meer als het op meer dan één soort ondermijning lijkt."),
        choices=[], validate_choice=False,
    )
    approached = SelectField(
        _l("Wie werd benaderd?"), description=_l("Als iemand probeerde iets gedaan te krijgen."),
        choices=choices({"": N_("Niemand of weet ik niet"), **APPROACHED_LABELS}), default="",
    )
    approach = SelectField(
        _l("Hoe werd diegene benaderd?"), choices=choices({"": N_("Weet ik niet"), **APPROACH_LABELS}), default="",
    )
    #: "Ik werk bij …" (named: starts from the account) or "Bij welke afdeling werkt u?" (anonymous, optional).
    department_code = SelectField(_l("Ik werk bij"), choices=[], default="")
    certainty = RadioField(
        _l("Hoe zeker bent u?"), choices=choices(CERTAINTY_LABELS), validators=[Optional()]
    )
    relation = SelectField(
        _l("Wat is uw relatie tot de betrokkene?"),
        choices=choices({"": N_("Zeg ik liever niet"), **RELATION_LABELS}),
        default="",
    )
    relation_text = StringField(
        _l("Toelichting op uw relatie"), description=_l("Bijvoorbeeld ‘ik behandel zijn vergunningaanvraag’."),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    attachments = MultipleFileField(_l("Bijlagen"))
    feedback = RadioField(_l("Wilt u horen wat er met uw melding gebeurt?"), choices=[], default=None)
    contact = StringField(
        _l("Hoe kunnen wij u het beste bereiken?"),
        description=_l("Bijvoorbeeld uw telefoonnummer, als u liever gebeld wordt."),
        validators=[Optional(), _too_long(TEXT_MAX)],
    )
    #: Idempotency key: a random value per form (set in the view); a second POST of it files nothing.
    idempotency_key = HiddenField()
    #: The form never files (issue 22 item 4): it is kept server-side and "Controleer uw melding" sends it.
    submit = SubmitField(_l("Verder naar controleren"))

    def validate_occurred_until(self, field) -> None:
        if field.data and self.occurred_from.data and field.data < self.occurred_from.data:
            raise ValidationError(gettext("De einddatum ligt vóór de begindatum."))


FEEDBACK_CHOICES_NAMED = {
    "app": N_("Ja, in Mijn meldingen"),
    "email": N_("Ja, en stuur mij ook een e-mail als er nieuws is (zonder inhoud)"),
    "nee": N_("Nee, dat hoeft niet"),
}
FEEDBACK_CHOICES_ANONYMOUS = {
    "code": N_("Ja, ik kijk zelf met mijn ontvangstcode"),
    "nee": N_("Nee, dat hoeft niet"),
}


class ReceiptForm(FlaskForm):
    code = StringField(
        _l("Uw ontvangstcode"),
        description=_l("20 tekens, bijvoorbeeld ABCD EFGH JKMN PQRS TVWX. Spaties, streepjes en hoofdletters maken niet uit."),
        validators=[DataRequired(_l("Vul uw ontvangstcode in."))],
        render_kw={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters", "class": "input-code"},
    )
    submit = SubmitField(_l("Melding openen"))


class ReplyForm(FlaskForm):
    """The reporter answers a question or adds information (text and/or files)."""

    body = TextAreaField(
        _l("Uw bericht of aanvulling"),
        description=_l("Beantwoord een vraag of vertel wat u nog weet."),
        validators=[Optional(), _too_long(10_000)],
    )
    attachments = MultipleFileField(_l("Bestanden toevoegen"))
    submit = SubmitField(_l("Versturen"))


class CloseReceiptForm(FlaskForm):
    submit = SubmitField(_l("Melding sluiten"))


class SendDraftForm(FlaskForm):
    """The button on the "Controleer uw melding" page (its own CSRF token; the draft is server-side).

    ``idempotency_key`` repeats the draft's key, so a second send after the draft is gone (a double
    click) is answered "al verstuurd" rather than "niet meer bewaard"."""

    idempotency_key = HiddenField()
    submit = SubmitField(_l("Melding versturen"))
