"""Entry point for `celery -A workers.main worker|beat`: builds the Flask app, then its Celery app."""

from meldpunt import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
