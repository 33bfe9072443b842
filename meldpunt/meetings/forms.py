"""Forms for the casusoverleg: meetings, members, proposals, agenda items."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from meldpunt.meetings.models import ActionStatus, DecisionKind, Instrument


class MeetingForm(FlaskForm):
    type_id = SelectField("Soort overleg", coerce=int, validators=[InputRequired("Kies een soort overleg.")])
    date = DateField("Datum", validators=[InputRequired("Vul een datum in, bijvoorbeeld 2026-12-15.")],
                     description="Bijvoorbeeld 2026-12-15.")
    time = TimeField("Begintijd", validators=[InputRequired("Vul een begintijd in, bijvoorbeeld 09:30.")],
                     description="Bijvoorbeeld 09:30.")
    duration_minutes = IntegerField("Duur in minuten", default=120,
                                    validators=[InputRequired("Vul de duur in minuten in."),
                                                NumberRange(5, 600, "De duur is tussen 5 en 600 minuten.")])
    location = StringField("Plaats", description="Bijvoorbeeld ‘Stadhuis, kamer 2.14’. Of vul een videolink in.",
                           validators=[Optional(), Length(max=200)])
    video_url = StringField("Videolink", description="Begint met https://.", validators=[Optional(), Length(max=500)])
    interval_weeks = IntegerField("Komt terug om de … weken",
                                  description="Leeg laten voor een eenmalig overleg. De volgende krijgt dezelfde leden.",
                                  validators=[Optional(), NumberRange(1, 52, "Kies 1 tot 52 weken.")])
    submit = SubmitField("Overleg plannen")


class EditMeetingForm(FlaskForm):
    date = MeetingForm.date
    time = MeetingForm.time
    duration_minutes = MeetingForm.duration_minutes
    location = MeetingForm.location
    video_url = MeetingForm.video_url
    submit = SubmitField("Opslaan")


class MemberForm(FlaskForm):
    user_id = SelectField("Deelnemer", coerce=int, validators=[InputRequired("Kies een deelnemer.")])
    organisation = StringField("Organisatie", description="Bijvoorbeeld ‘Politie’, ‘RIEC’ of ‘Vergunningen’.",
                               validators=[DataRequired("Vul de organisatie in."), Length(max=120)])
    kind = SelectField("Soort lid", choices=[("intern", "Intern (gemeente)"), ("partner", "Externe partner")],
                       validators=[AnyOf(["intern", "partner"])])
    submit = SubmitField("Lid toevoegen")


class SimpleForm(FlaskForm):
    """A button that posts only the CSRF token and an optional value."""

    value = HiddenField()


class ProposalForm(FlaskForm):
    meeting_id = SelectField("Overleg", validators=[DataRequired("Kies een overleg.")])
    scope = SelectField("Wat stelt u voor?", validators=[DataRequired("Kies de casus of één melding.")],
                        description="De hele casus, of alleen één melding uit de casus.")
    question = TextAreaField("Vraag aan het overleg",
                             description="Wat moet het overleg beslissen? Bijvoorbeeld ‘Is een Bibob-toets nodig?’",
                             validators=[DataRequired("Vul de vraag aan het overleg in."), Length(max=2000)])
    submit = SubmitField("Voorstellen")


class ReturnProposalForm(FlaskForm):
    reason = TextAreaField("Reden om terug te sturen", validators=[DataRequired("Vul de reden in."), Length(max=2000)])
    submit = SubmitField("Terugsturen")


class AcceptProposalForm(FlaskForm):
    minutes_reserved = IntegerField("Tijd op de agenda (minuten)", default=15,
                                    validators=[InputRequired("Vul de tijd in minuten in."),
                                                NumberRange(0, 600, "Kies 0 tot 600 minuten.")])
    submit = SubmitField("Op de agenda zetten")


class StandingItemForm(FlaskForm):
    kind = SelectField("Vast agendapunt", choices=[("fenomenen_trends", "Fenomenen en trends"),
                                                   ("mededelingen", "Mededelingen"),
                                                   ("afsprakenlijst", "Afsprakenlijst")],
                       validators=[InputRequired("Kies een vast agendapunt.")])
    submit = SubmitField("Agendapunt toevoegen")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ItemForm(FlaskForm):
    minutes_reserved = IntegerField("Tijd (minuten)", validators=[InputRequired("Vul de tijd in minuten in."),
                                                                  NumberRange(0, 600, "Kies 0 tot 600 minuten.")])
    pseudonymise = BooleanField("Betrokkenen gepseudonimiseerd tonen (‘Persoon A’, ‘Bedrijf 1’)")
    partners = MultiCheckboxField("Partners die dit punt zien", coerce=int,
                                  description="Interne leden zien elk punt. Partners alleen de punten die u hier aanvinkt.")
    submit = SubmitField("Opslaan")


class MoveForm(FlaskForm):
    direction = HiddenField(validators=[AnyOf(["omhoog", "omlaag"])])


class AttendanceForm(FlaskForm):
    present = MultiCheckboxField("Aanwezig bij dit punt", coerce=int)
    submit = SubmitField("Aanwezigheid opslaan")


class DecisionForm(FlaskForm):
    kind = SelectField("Besluit", choices=[(k.value, k.label) for k in DecisionKind],
                       validators=[InputRequired("Kies een besluit.")])
    instrument = SelectField("Bestuurlijk instrument", choices=[("", "Geen (alleen bij bestuurlijke interventie)")]
                             + [(i.value, i.label) for i in Instrument], validators=[Optional()],
                             description="Alleen bij een bestuurlijke interventie.")
    motivation = TextAreaField("Korte motivering", description="Vertrouwelijk. De melder krijgt alleen het standaardbericht.",
                               validators=[DataRequired("Vul een korte motivering in."), Length(max=4000)])
    submit = SubmitField("Besluit vastleggen")


class ActionForm(FlaskForm):
    item_id = HiddenField()
    owner = SelectField("Wie voert de actie uit?", validators=[InputRequired("Kies wie de actie uitvoert.")])
    organisation = StringField("Organisatie", description="Alleen als u hierboven ‘Een organisatie’ kiest.",
                               validators=[Optional(), Length(max=120)])
    deadline = DateField("Uiterlijk klaar op", validators=[InputRequired("Vul een datum in, bijvoorbeeld 2026-12-31.")],
                         description="Bijvoorbeeld 2026-12-31.")
    description = TextAreaField("Wat moet er gebeuren?", validators=[DataRequired("Vul in wat er moet gebeuren."),
                                                                     Length(max=2000)])
    submit = SubmitField("Actie toevoegen")


class ActionUpdateForm(FlaskForm):
    status = SelectField("Status", choices=[(s.value, s.label) for s in ActionStatus])
    result_note = TextAreaField("Resultaat", description="Verplicht bij ‘Gereed’.", validators=[Optional(), Length(max=20000)])
    submit = SubmitField("Actie bijwerken")


class MinutesForm(FlaskForm):
    minutes = TextAreaField("Verslag", description="Vertrouwelijk; versleuteld bewaard. Begin elk agendapunt op een "
                            "nieuwe regel met ‘Punt 1’, ‘Punt 2’ enzovoort. Dan verdwijnt dat deel als de "
                            "bewaartermijn van de melding of casus voorbij is.",
                            validators=[DataRequired("Schrijf het verslag."), Length(max=100000)])
    submit = SubmitField("Verslag opslaan")


class SecrecyForm(FlaskForm):
    confirm = BooleanField("Ik houd alles wat ik in dit overleg zie en hoor geheim en deel het niet buiten het overleg.",
                           validators=[DataRequired("Vink de geheimhoudingsverklaring aan om verder te gaan.")])
    submit = SubmitField("Bevestigen en stukken openen")


class MeetingTypeForm(FlaskForm):
    name = StringField("Naam van de soort overleg", description="Bijvoorbeeld ‘Zorg- en veiligheidsoverleg’.",
                       validators=[DataRequired("Vul een naam in."), Length(max=120)])
    submit = SubmitField("Toevoegen")
