from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length


class SignalForm(FlaskForm):
    description = TextAreaField(
        "Wat heeft u gezien of gehoord?",
        description="Beschrijf het in uw eigen woorden. Wie, wat, waar en wanneer helpt ons het meest.",
        validators=[DataRequired("Beschrijf wat u heeft gezien of gehoord."), Length(max=20000, message="Uw beschrijving is te lang: hoogstens 20.000 tekens.")],
    )
    phenomenon_code = SelectField("Waar lijkt het op?", choices=[], validate_choice=True)
    process_code = SelectField("Bij welk werkproces zag u het?", choices=[], validate_choice=True)
    about_colleague = BooleanField("Dit gaat over een collega", description="Dan gaat uw melding naar de integriteitscoördinator.")
    submit = SubmitField("Melding versturen")
