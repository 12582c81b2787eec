"""The Celery app Flower watches (``slipstream celery flower`` runs ``celery --app`` on it): the
same broker and result backend as the workers, from this home's settings."""

from slipstream.config import Settings
from slipstream.executors.celery.app import make_app

app = make_app(Settings.load(), "slipstream-flower")
