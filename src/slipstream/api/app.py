"""The ASGI app: ``create_app(ctx)`` for a process that already has its settings and store (the
standalone server, tests), ``app_from_environment()`` for ``uvicorn --factory`` workers."""

from __future__ import annotations

import importlib

from fastapi import FastAPI

import slipstream
from slipstream.api import errors
from slipstream.api.login_limiter import LoginLimiter
from slipstream.api.tokens import TokenSigner, signing_secret
from slipstream.services.context import ServiceContext

# The modules of api/routes/ whose ``router`` the app serves, in this order.
ROUTERS = (
    "auth",
    "monitor",
    "task_instances",
    "task_instance_extras",
    "task_logs",
    "task_state_store",
    "xcoms",
)

DESCRIPTION = (
    "Slipstream's REST API: the paths, parameters and fields of Apache Airflow 3's public `/api/v2`, so "
    "Airflow's official client and scripts work unchanged. Get a token from `POST /auth/token` and send it as "
    "`Authorization: Bearer TOKEN`."
)


def create_app(ctx: ServiceContext) -> FastAPI:
    app = FastAPI(title="Slipstream API", version=slipstream.__version__, description=DESCRIPTION)
    app.state.ctx = ctx
    app.state.signer = TokenSigner(signing_secret(ctx.settings), ctx.settings.jwt_expiration_time)
    app.state.login_limiter = LoginLimiter(ctx.settings.login_attempts_per_minute)
    errors.install(app)
    for name in ROUTERS:
        module = importlib.import_module(f"slipstream.api.routes.{name}")
        app.include_router(module.router)
    return app


def app_from_environment() -> FastAPI:
    """The app of one ``slipstream api-server`` worker: settings from the environment and
    ``slipstream.cfg``, the store they name (migrated by the command that started the workers)."""
    from slipstream.config import Config, Settings
    from slipstream.services.notify import notifier_for
    from slipstream.store.db import Database

    settings = Settings.from_config(Config.load())
    db = Database(settings.sql_alchemy_conn)
    return create_app(ServiceContext(settings=settings, db=db, notify=notifier_for(settings, db)))
