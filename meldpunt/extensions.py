"""Flask extensions, created unbound; `create_app` binds them."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect

from meldpunt.database import Base

db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

#: ``app.extensions`` key: the landing pages after login, ``[(may_use(user) -> bool, endpoint), ...]`` in order
#: (filled by ``meldpunt.policy.add_landing_page``, read by ``meldpunt.auth.views.home_for``).
LANDING_PAGES = "meldpunt.landing_pages"
