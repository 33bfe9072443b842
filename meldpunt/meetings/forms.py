"""Forms for the casusoverleg: meetings, members, proposals, agenda items."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from meldpunt.meetings.models import ActionStatus, DecisionKind, Instrument


class MeetingForm(FlaskForm):
    type_id = SelectField(_l("Soort overleg"), coerce=int, validators=[InputRequired(_l("Kies een soort overleg."))])
    date = DateField(_l("Datum"), validators=[InputRequired(_l("Vul een datum in, bijvoorbeeld 2026-12-15."))],
                     description=_l("Bijvoorbeeld 2026-12-15."))
    time = TimeField(_l("Begintijd"), validators=[InputRequired(_l("Vul een begintijd in, bijvoorbeeld 09:30."))],
                     description=_l("Bijvoorbeeld 09:30."))
    duration_minutes = IntegerField(_l("Duur in minuten"), default=120,
                                    validators=[InputRequired(_l("Vul de duur in minuten in.")),
                                                NumberRange(5, 600, _l("De duur is tussen 5 en 600 minuten."))])
    location = StringField(_l("Plaats"), description=_l("Bijvoorbeeld ‘Stadhuis, kamer 2.14’. Of vul een videolink in."),
                           validators=[Optional(), Length(max=200)])
    video_url = StringField(_l("Videolink"), description=_l("Begint met https://."), validators=[Optional(), Length(max=500)])
    interval_weeks = IntegerField(_l("Komt terug om de … weken"),
                                  description=_l("Leeg laten voor een eenmalig overleg. De volgende krijgt dezelfde leden."),
                                  validators=[Optional(), NumberRange(1, 52, _l("Kies 1 tot 52 weken."))])
    submit = SubmitField(_l("Overleg plannen"))


class EditMeetingForm(FlaskForm):
    date = MeetingForm.date
    time = MeetingForm.time
    duration_minutes = MeetingForm.duration_minutes
    location = MeetingForm.location
    video_url = MeetingForm.video_url
    submit = SubmitField(_l("Opslaan"))


class MemberForm(FlaskForm):
    user_id = SelectField(_l("Deelnemer"), coerce=int, validators=[InputRequired(_l("Kies een deelnemer."))])
    organisation = StringField(_l("Organisatie"), description=_l("Bijvoorbeeld ‘Politie’, ‘RIEC’ of ‘Vergunningen’."),
                               validators=[DataRequired(_l("Vul de organisatie in.")), Length(max=120)])
    kind = SelectField(_l("Soort lid"), choices=[("intern", _l("Intern (gemeente)")), ("partner", _l("Externe partner"))],
                       validators=[AnyOf(["intern", "partner"])])
    submit = SubmitField(_l("Lid toevoegen"))


class SimpleForm(FlaskForm):
    """A button that posts only the CSRF token and an optional value."""

    value = HiddenField()


class ProposalForm(FlaskForm):
    meeting_id = SelectField(_l("Overleg"), validators=[DataRequired(_l("Kies een overleg."))])
    scope = SelectField(_l("Wat stelt u voor?"), validators=[DataRequired(_l("Kies de casus of één melding."))],
                        description=_l("De hele casus, of alleen één melding uit de casus."))
    question = TextAreaField(_l("Vraag aan het overleg"),
                             description=_l("Wat moet het overleg beslissen? Bijvoorbeeld ‘Is een Bibob-toets nodig?’"),
                             validators=[DataRequired(_l("Vul de vraag aan het overleg in.")), Length(max=2000)])
    submit = SubmitField(_l("Voorstellen"))


class ReturnProposalForm(FlaskForm):
    reason = TextAreaField(_l("Reden om terug te sturen"), validators=[DataRequired(_l("Vul de reden in.")), Length(max=2000)])
    submit = SubmitField(_l("Terugsturen"))


class AcceptProposalForm(FlaskForm):
    minutes_reserved = IntegerField(_l("Tijd op de agenda (minuten)"), default=15,
                                    validators=[InputRequired(_l("Vul de tijd in minuten in.")),
                                                NumberRange(0, 600, _l("Kies 0 tot 600 minuten."))])
    submit = SubmitField(_l("Op de agenda zetten"))


class StandingItemForm(FlaskForm):
    kind = SelectField(_l("Vast agendapunt"), choices=[("fenomenen_trends", _l("Fenomenen en trends")),
                                                   ("mededelingen", _l("Mededelingen")),
                                                   ("afsprakenlijst", _l("Afsprakenlijst"))],
                       validators=[InputRequired(_l("Kies een vast agendapunt."))])
    submit = SubmitField(_l("Agendapunt toevoegen"))


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ItemForm(FlaskForm):
    minutes_reserved = IntegerField(_l("Tijd (minuten)"), validators=[InputRequired(_l("Vul de tijd in minuten in.")),
                                                                  NumberRange(0, 600, _l("Kies 0 tot 600 minuten."))])
    pseudonymise = BooleanField(_l("Betrokkenen gepseudonimiseerd tonen (‘Persoon A’, ‘Bedrijf 1’)"))
    partners = MultiCheckboxField(_l("Partners die dit punt zien"), coerce=int,
                                  description=_l("Interne leden zien elk punt. Partners alleen de punten die u hier aanvinkt."))
    submit = SubmitField(_l("Opslaan"))


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["omhoog", "omlaag"])])


class AttendanceForm(FlaskForm):
    present = MultiCheckboxField(_l("Aanwezig bij dit punt"), coerce=int)
    submit = SubmitField(_l("Aanwezigheid opslaan"))


class DecisionForm(FlaskForm):
    kind = SelectField(_l("Besluit"), choices=[(k.value, _l(k.label)) for k in DecisionKind],
                       validators=[InputRequired(_l("Kies een besluit."))])
    instrument = SelectField(_l("Bestuurlijk instrument"), choices=[("", _l("Geen (alleen bij bestuurlijke interventie)"))]
                             + [(i.value, _l(i.label)) for i in Instrument], validators=[Optional()],
                             description=_l("Alleen bij een bestuurlijke interventie."))
    motivation = TextAreaField(_l("Korte motivering"), description=_l("Vertrouwelijk. De melder krijgt alleen het standaardbericht."),
                               validators=[DataRequired(_l("Vul een korte motivering in.")), Length(max=4000)])
    submit = SubmitField(_l("Besluit vastleggen"))


class ActionForm(FlaskForm):
    item_id = HiddenField()
    owner = SelectField(_l("Wie voert de actie uit?"), validators=[InputRequired(_l("Kies wie de actie uitvoert."))])
    organisation = StringField(_l("Organisatie"), description=_l("Alleen als u hierboven ‘Een organisatie’ kiest."),
                               validators=[Optional(), Length(max=120)])
    deadline = DateField(_l("Uiterlijk klaar op"), validators=[InputRequired(_l("Vul een datum in, bijvoorbeeld 2026-12-31."))],
                         description=_l("Bijvoorbeeld 2026-12-31."))
    description = TextAreaField(_l("Wat moet er gebeuren?"), validators=[DataRequired(_l("Vul in wat er moet gebeuren.")),
                                                                     Length(max=2000)])
    submit = SubmitField(_l("Actie toevoegen"))


class ActionUpdateForm(FlaskForm):
    status = SelectField(_l("Status"), choices=[(s.value, _l(s.label)) for s in ActionStatus])
    result_note = TextAreaField(_l("Resultaat"), description=_l("Verplicht bij ‘Gereed’."), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Actie bijwerken"))


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Verslag"), description=_l(
                                "Vertrouwelijk; versleuteld bewaard. Begin elk agendapunt op een nieuwe regel met "
                                "‘Punt 1’, ‘Punt 2’ enzovoort. Dan verdwijnt dat deel als de bewaartermijn van de "
                                "melding of casus voorbij is."),
                            validators=[DataRequired(_l("Schrijf het verslag.")), Length(max=100000)])
    submit = SubmitField(_l("Verslag opslaan"))


class SecrecyForm(FlaskForm):
    confirm = BooleanField(_l("Ik houd alles wat ik in dit overleg zie en hoor geheim en deel het niet buiten het overleg."),
                           validators=[DataRequired(_l("Vink de geheimhoudingsverklaring aan om verder te gaan."))])
    submit = SubmitField(_l("Bevestigen en stukken openen"))


class MeetingTypeForm(FlaskForm):
    name = StringField(_l("Naam van de soort overleg"), description=_l("Bijvoorbeeld ‘Zorg- en veiligheidsoverleg’."),
                       validators=[DataRequired(_l("Vul een naam in.")), Length(max=120)])
    submit = SubmitField(_l("Toevoegen"))
