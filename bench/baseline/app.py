"""Baseline: Flask + Flask-SQLAlchemy, one plaintext row per POST, nothing else.

No login, no CSRF, no encryption, no audit trail, no notice: what filing costs when the
web stack and one INSERT are all there is. Run under the same gunicorn as Meldpunt:

    BASELINE_DATABASE_URL=postgresql+psycopg://127.0.0.1/db gunicorn -w 2 'bench.baseline.app:create_app()'
"""

from __future__ import annotations

import os
from datetime import datetime, timezone

from flask import Flask, redirect, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Integer, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class BaselineSignal(Base):
    __tablename__ = "baseline_signals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    description: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["BASELINE_DATABASE_URL"]
    db.init_app(app)

    @app.post("/melden")
    def file():
        row = BaselineSignal(description=request.form.get("description", ""), created_at=datetime.now(timezone.utc))
        db.session.add(row)
        db.session.commit()
        return redirect(f"/melden/bevestiging/{row.id}")

    return app


def create_schema(database_url: str) -> None:
    """Create the one table (once, before the workers start)."""
    import sqlalchemy as sa

    engine = sa.create_engine(database_url)
    Base.metadata.create_all(engine)
    engine.dispose()
