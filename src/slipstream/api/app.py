"""The ASGI app: ``create_app(ctx)`` for a process that already has its settings and store (the
standalone server, tests), ``app_from_environment()`` for ``uvicorn --factory`` workers."""

from __future__ import annotations

import gc
import importlib
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

import slipstream
from slipstream.api import errors
from slipstream.api.front import Front
from slipstream.api.login_limiter import LoginLimiter
from slipstream.api.tokens import TokenSigner
from slipstream.config.jwt_secret import signing_secret
from slipstream.services.context import ServiceContext

# The modules of api/routes/ whose ``router`` the app serves, in this order. ``standalone`` serves
# the first FIRST of them (what the login and DAG list pages call) before loading the rest.
ROUTERS = (
    "auth",
    "monitor",
    "dags",
    "import_errors",
    "ui",
    "ui_dags",
    "users",
    "docs",
    "dag_stats",
    "dag_sources",
    "tasks",
    "pools",
    "variables",
    "connections",
    "config",
    "assets",
    "jobs",
    "plugins",
    "unsupported",
    "dag_runs",
    "dag_run_bulk",
    "dag_run_clears",
    "task_instances",
    "task_instance_extras",
    "task_instance_bulk",
    "task_logs",
    "task_state_store",
    "xcoms",
    "ui_task_instance",
    "ui_gantt",
    "ui_actions",
    "ui_graph",
)
FIRST = 6

# Files the server itself serves under /static (Swagger UI for /docs; no CDN).
STATIC = Path(__file__).resolve().parent / "static"

DESCRIPTION = (
    "Slipstream's REST API: the paths, parameters and fields of Apache Airflow 3's public `/api/v2`, so "
    "Airflow's official client and scripts work unchanged. Get a token from `POST /auth/token` and send it as "
    "`Authorization: Bearer TOKEN`."
)


def create_app(ctx: ServiceContext, routers: tuple[str, ...] = ROUTERS) -> FastAPI:
    # FastAPI's own /docs and /redoc load their scripts from a CDN: routes/docs.py serves ours.
    app = FastAPI(title="Slipstream API", version=slipstream.__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None)
    app.state.ctx = ctx
    app.state.signer = TokenSigner(signing_secret(ctx.settings), ctx.settings.jwt_expiration_time)
    app.state.login_limiter = LoginLimiter(ctx.settings.login_attempts_per_minute)
    errors.install(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    add_routers(app, routers)
    return app


def add_routers(app: FastAPI, names: tuple[str, ...]) -> None:
    for name in names:
        module = importlib.import_module(f"slipstream.api.routes.{name}")
        app.include_router(module.router)


def settle_heap() -> None:
    """Call once the server has imported and built everything: the objects alive now (modules,
    routes, schemas) are left out of every later garbage collection. Without it, the collections
    that a big answer's allocations set off walk them again and again: the grid of 1,000 tasks x
    25 runs took twice the CPU time."""
    gc.collect()
    gc.freeze()


def app_from_environment() -> Front:
    """The app of one ``slipstream api-server`` worker: settings from the environment and
    ``slipstream.cfg``, the store they name (migrated by the command that started the workers)."""
    from slipstream.config import Config, Settings
    from slipstream.services.notify import notifier_for
    from slipstream.store.db import Database

    settings = Settings.from_config(Config.load())
    db = Database(settings.sql_alchemy_conn)
    app = create_app(ServiceContext(settings=settings, db=db, notify=notifier_for(settings, db)))
    settle_heap()
    return Front(app)
