"""DAGs as users see them: list (filtered, ordered, paged), get, details, pause and unpause,
delete, tags and run counts. Everything is read from the store (the DAG rows and serialized
DAGs the parser recorded); no DAG file is imported here."""

from __future__ import annotations

import base64
import inspect
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.sdk.secrets_masker import redact
from slipstream.services.context import ServiceContext
from slipstream.services.errors import Conflict, NotFound
from slipstream.services.ordering import parse_order_by
from slipstream.services.paging import Page
from slipstream.store import dag_deletion, dag_listing
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow
from slipstream.store.dag_listing import DagFilter, DagListing
from slipstream.store.models import DagRow
from slipstream.store.states import DagRunState

# Slipstream reads DAG files from its DAG folders only: one bundle, named as Airflow's default one.
BUNDLE_NAME = "dags-folder"
DAG_ORDER_FIELDS = (*dag_listing.ORDER_FIELDS, "state", "start_date")
_ALIASES = {"state": "last_run_state", "start_date": "last_run_start_date"}
RUN_STATES = tuple(state.value for state in DagRunState)


@dataclass(frozen=True)
class Timetable:
    summary: str | None
    description: str
    periodic: bool
    partitioned: bool


@dataclass(frozen=True)
class Dag:
    """A DAG as the listings show it (Airflow's DAGResponse)."""

    dag_id: str
    dag_display_name: str
    is_paused: bool
    is_stale: bool
    last_parsed_time: datetime | None
    fileloc: str
    relative_fileloc: str
    description: str | None
    timetable: Timetable
    tags: list[str]
    owners: list[str]
    max_active_tasks: int
    max_active_runs: int | None
    has_task_concurrency_limits: bool
    has_import_errors: bool
    next_dagrun: datetime | None
    next_dagrun_data_interval_start: datetime | None
    next_dagrun_data_interval_end: datetime | None
    next_dagrun_create_after: datetime | None
    schedule_text: str | None  # as `dags list` shows it

    @property
    def file_token(self) -> str:
        """An opaque handle of the DAG's file (Airflow's clients pass it around; nothing here needs
        it back, the source is read by dag_id)."""
        payload = json.dumps({"bundle_name": BUNDLE_NAME, "relative_fileloc": self.relative_fileloc})
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


@dataclass(frozen=True)
class DagDetails:
    """A DAG with what its serialized form says of its arguments (Airflow's DAGDetailsResponse)."""

    dag: Dag
    catchup: bool
    dagrun_timeout: timedelta | None
    asset_expression: dict[str, Any] | None
    doc_md: str | None
    start_date: datetime | None
    end_date: datetime | None
    is_paused_upon_creation: bool | None
    params: dict[str, Any]
    render_template_as_native_obj: bool
    template_searchpath: list[str] | None
    timezone: str | None
    default_args: dict[str, Any] | None
    owner_links: dict[str, str]
    max_consecutive_failed_dag_runs: int
    active_runs_count: int


@dataclass(frozen=True)
class DagRunCounts:
    dag_id: str
    dag_display_name: str
    counts: dict[str, int]  # every DAG run state, 0 when none


NOT_FOUND_HINT = ("no DAG file in the dags folder defines it, or its file failed to load (see the import errors: "
                  "`slipstream dags list-import-errors`, GET /api/v2/importErrors)")


def _not_found(dag_id: str) -> NotFound:
    return NotFound(f"DAG {dag_id!r} not found: {NOT_FOUND_HINT}")


def timetable_of(row: DagRow) -> Timetable:
    """What the API says of a DAG's schedule, from what the parser recorded on its row and the
    timetable class's traits."""
    from slipstream.timetables.timetable import KINDS

    if row.timetable_kind is None:
        if row.asset_triggered:
            return Timetable(row.schedule, "Triggered by assets", periodic=False, partitioned=row.timetable_partitioned)
        return Timetable(None, KINDS["null"].description, periodic=False, partitioned=False)
    cls = KINDS.get(row.timetable_kind)
    own = row.timetable_description or row.schedule or ""
    if cls is None:  # serialized by another version: say what is known
        return Timetable(row.schedule, own, periodic=False, partitioned=row.timetable_partitioned)
    description = cls.description or own
    if row.asset_triggered:
        description = f"Triggered by assets or {description}"
    partitioned = row.timetable_partitioned or bool(cls.partitioned or cls.partitioned_at_runtime)
    return Timetable(row.schedule, description, periodic=bool(cls.periodic), partitioned=partitioned)


def timetable_kinds(class_names: Sequence[str]) -> list[str]:
    """The kinds of schedule (``DagFilter.timetable_kinds``) of Airflow's timetable class names,
    dotted or not (``airflow.timetables.trigger.CronTriggerTimetable``, ``NullTimetable``...)."""
    from slipstream.timetables.timetable import KINDS

    wanted = {name.rsplit(".", 1)[-1] for name in class_names}
    kinds = [kind for kind, cls in KINDS.items() if cls.__name__ in wanted and kind != "null"]
    extra = {"NullTimetable": dag_listing.NO_SCHEDULE, "AssetTriggeredTimetable": dag_listing.ASSETS_ONLY,
             "DatasetTriggeredTimetable": dag_listing.ASSETS_ONLY, "AssetOrTimeSchedule": dag_listing.ASSETS_OR_TIME,
             "DatasetOrTimeSchedule": dag_listing.ASSETS_OR_TIME}
    return kinds + sorted({kind for name, kind in extra.items() if name in wanted})


def _relative(folders: Sequence[str], fileloc: str) -> str:
    for folder in folders:
        if fileloc.startswith(folder):
            return fileloc[len(folder):]
    return os.path.basename(fileloc)


def _folders(ctx: ServiceContext) -> list[str]:
    return [os.path.abspath(folder).rstrip("/") + "/" for folder in ctx.settings.dag_folders()]


def _dag(ctx: ServiceContext, listing: DagListing, folders: Sequence[str]) -> Dag:
    row: DagRow = listing.dag
    return Dag(
        dag_id=row.dag_id,
        dag_display_name=row.dag_display_name or row.dag_id,
        is_paused=bool(row.is_paused),
        is_stale=not row.is_active,
        last_parsed_time=row.last_parsed_time,
        fileloc=row.fileloc,
        relative_fileloc=_relative(folders, row.fileloc),
        description=row.description,
        timetable=timetable_of(row),
        tags=sorted(row.tags or []),
        owners=[owner.strip() for owner in (row.owners or "").split(",") if owner.strip()],
        max_active_tasks=row.max_active_tasks if row.max_active_tasks is not None else
        ctx.settings.max_active_tasks_per_dag,
        max_active_runs=row.max_active_runs if row.max_active_runs is not None else ctx.settings.max_active_runs_per_dag,
        has_task_concurrency_limits=bool(row.has_task_concurrency_limits),
        has_import_errors=listing.has_import_errors,
        next_dagrun=row.next_dagrun,
        next_dagrun_data_interval_start=row.next_dagrun_data_interval_start,
        next_dagrun_data_interval_end=row.next_dagrun_data_interval_end,
        next_dagrun_create_after=row.next_dagrun_create_after,
        schedule_text=row.schedule,
    )


def _order(order_by: Sequence[str] | str | None) -> list[tuple[str, bool]]:
    return [(_ALIASES.get(name, name), desc) for name, desc in parse_order_by(order_by, DAG_ORDER_FIELDS)]


def list_dags(
    ctx: ServiceContext, where: DagFilter = DagFilter(), order_by: Sequence[str] | str | None = ("dag_id",), *,
    limit: int | None = None, offset: int = 0,
) -> Page[Dag]:
    """A page of the DAGs ``where`` keeps (by default the active ones), in ``order_by`` order
    (Airflow's syntax: ``-`` for descending; ``InvalidRequest`` for an unknown field)."""
    order = _order(order_by)
    with ctx.db.read() as session:
        listings, total = dag_listing.list_dags(session, where, order, limit=limit, offset=offset)
    folders = _folders(ctx)
    return Page([_dag(ctx, listing, folders) for listing in listings], total)


def get_dag(ctx: ServiceContext, dag_id: str) -> Dag:
    """The DAG, even when its file is gone (then ``is_stale``); ``NotFound`` if never recorded."""
    page = list_dags(ctx, DagFilter(dag_ids=[dag_id], exclude_stale=False), limit=1)
    if not page.items:
        raise _not_found(dag_id)
    return page.items[0]


def serialized_dag(ctx: ServiceContext, dag_id: str, *, include_stale: bool = False) -> SerializedDag:
    """The serialized form of an active DAG (or, with ``include_stale``, of one whose file no longer
    defines it: its last parse); ``NotFound`` (saying where to look) otherwise."""
    with ctx.db.read() as session:
        row = dag_store.get_serialized(session, dag_id)
        dag = dag_store.get_dag(session, dag_id)
    if row is None or dag is None or not (dag.is_active or include_stale):
        raise _not_found(dag_id)
    return SerializedDag(row.data, row.dag_hash)


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def get_dag_details(ctx: ServiceContext, dag_id: str) -> DagDetails:
    dag = get_dag(ctx, dag_id)
    with ctx.db.read() as session:
        row = dag_store.get_serialized(session, dag_id)
        running = dag_listing.run_counts(session, [dag_id])
    if row is None:
        raise _not_found(dag_id)
    data = row.data
    catchup = data.get("catchup")
    timeout = data.get("dagrun_timeout")
    doc_md = data.get("doc_md")
    default_args = data.get("default_args")
    params = SerializedDag(data).params
    return DagDetails(
        dag=dag,
        catchup=ctx.settings.catchup_by_default if catchup is None else bool(catchup),
        dagrun_timeout=timedelta(seconds=timeout) if timeout is not None else None,
        asset_expression=asset_expression(data.get("asset_condition")),
        doc_md=inspect.cleandoc(doc_md) if doc_md else doc_md,
        start_date=_date(data.get("start_date")),
        end_date=_date(data.get("end_date")),
        is_paused_upon_creation=data.get("is_paused_upon_creation"),
        params=param_specs(params, "dag"),
        render_template_as_native_obj=bool(data.get("render_template_as_native_obj")),
        template_searchpath=data.get("template_searchpath"),
        timezone=data.get("timezone"),
        default_args=redact(default_args) if default_args is not None else None,
        owner_links=dict(data.get("owner_links") or {}),
        max_consecutive_failed_dag_runs=int(data.get("max_consecutive_failed_dag_runs") or 0),
        active_runs_count=sum(count for _, _, state, count in running if state == DagRunState.RUNNING),
    )


def asset_expression(condition: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A serialized asset condition in the shape of Airflow's ``asset_expression``:
    ``{"any"|"all": [...]}``, ``{"asset": {uri, name, group}}``, ``{"alias": {name, group}}``,
    ``{"asset_ref": {name or uri}}``."""
    if condition is None:
        return None
    kind = condition.get("kind")
    if kind in ("any", "all"):
        return {kind: [asset_expression(item) for item in condition.get("objects") or ()]}
    if kind == "asset":
        return {"asset": {"uri": condition.get("uri"), "name": condition.get("name"), "group": condition.get("group")}}
    if kind == "alias":
        return {"alias": {"name": condition.get("name"), "group": condition.get("group")}}
    if kind in ("name_ref", "uri_ref"):
        field = kind.removesuffix("_ref")
        return {"asset_ref": {field: condition.get(field)}}
    return dict(condition)


def param_specs(params: Any, source: str) -> dict[str, Any]:
    """Each Param as Airflow's API shows it: its value, JSON schema, description and source."""
    values = params.dump()
    specs = {}
    for name in params:
        param = params.get_param(name)
        specs[name] = {"value": values.get(name), "schema": param.schema, "description": param.description,
                       "source": source}
    return specs


def set_paused(ctx: ServiceContext, dag_id: str, paused: bool) -> Dag:
    """Pause or unpause; unpausing plans the next scheduled run again and wakes the scheduler."""
    with ctx.db.write() as session:
        found = dag_store.set_paused(session, dag_id, paused, now=utcnow(),
                                     catchup_by_default=ctx.settings.catchup_by_default)
    if not found:
        raise NotFound(f"DAG {dag_id!r} not found (see `slipstream dags list`)")
    if not paused:
        ctx.notify("dag")
    return get_dag(ctx, dag_id)


def set_paused_matching(
    ctx: ServiceContext, where: DagFilter, paused: bool, *, limit: int | None = None, offset: int = 0
) -> Page[Dag]:
    """Pause or unpause every DAG ``where`` keeps; answers the page ``limit``/``offset`` of them.
    As in Airflow, a filter without ``dag_id_pattern`` or ``dag_id_prefix_pattern`` keeps no DAG
    (``~`` or ``%`` as pattern keeps them all)."""
    if where.dag_id_pattern is None and where.dag_id_prefix_pattern is None:
        return Page([], 0)
    with ctx.db.write() as session:
        dag_ids = dag_listing.dag_ids(session, where)
        dag_store.set_paused_many(session, dag_ids, paused, now=utcnow(),
                                  catchup_by_default=ctx.settings.catchup_by_default)
    if dag_ids and not paused:
        ctx.notify("dag")
    page = list_dags(ctx, DagFilter(dag_ids=dag_ids, exclude_stale=False), limit=limit, offset=offset)
    return Page(page.items, len(dag_ids))


def delete_dag(ctx: ServiceContext, dag_id: str) -> None:
    """Delete the DAG's rows (runs, task instances, XComs, log records...); ``Conflict`` while
    one of its task instances runs. The parser records it again if its file still defines it."""
    with ctx.db.write() as session:
        if dag_deletion.has_running_task_instances(session, dag_id):
            raise Conflict(f"Task instances of DAG {dag_id!r} are still running: wait for them to finish "
                           "(or mark them failed) before deleting the DAG")
        deleted = dag_deletion.delete_dag(session, dag_id)
    if not deleted:
        raise _not_found(dag_id)


def list_tags(
    ctx: ServiceContext, *, order_by: Sequence[str] | str | None = ("name",), pattern: str | None = None,
    prefix_pattern: str | None = None, limit: int | None = None, offset: int = 0,
) -> Page[str]:
    order = parse_order_by(order_by, ("name",))
    descending = bool(order and order[0][1])
    with ctx.db.read() as session:
        names, total = dag_listing.list_tags(session, pattern=pattern, prefix_pattern=prefix_pattern,
                                             descending=descending, limit=limit, offset=offset)
    return Page(names, total)


def run_counts(ctx: ServiceContext, dag_ids: Sequence[str] | None = None) -> list[DagRunCounts]:
    """How many runs each DAG has in each state, for the DAGs that have runs."""
    with ctx.db.read() as session:
        rows = dag_listing.run_counts(session, dag_ids or None)
    found: dict[str, DagRunCounts] = {}
    for dag_id, name, state, count in rows:
        entry = found.setdefault(dag_id, DagRunCounts(dag_id, name, dict.fromkeys(RUN_STATES, 0)))
        if state in entry.counts:
            entry.counts[state] += count
    return list(found.values())
