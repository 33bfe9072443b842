"""The checklist form on a threatened reporter's signal."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SubmitField
from wtforms.validators import DataRequired, Optional


class ThreatStepForm(FlaskForm):
    step = HiddenField(validators=[DataRequired()])
    done_on = DateField("Datum", validators=[Optional()], description="Leeg laten is vandaag.")
    submit = SubmitField("Opslaan")
