from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import AnyOf, DataRequired


class GrantDecisionForm(FlaskForm):
    """The two buttons of a request card post ``decision`` = akkoord or afwijzen (CSRF-protected)."""

    decision = HiddenField(validators=[DataRequired(), AnyOf(["akkoord", "afwijzen"])])
