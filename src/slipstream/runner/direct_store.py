"""The try's store calls run here, on a database handle (inline runs, ``tasks test``, and the
store service that answers task processes)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from slipstream.dagfiles import manual_runs
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.runner.try_store import CALLS, Claim
from slipstream.sdk.exceptions import ParamValidationError
from slipstream.sdk.xcom_arg import as_items
from slipstream.store import (
    assets,
    dag_runs,
    dags,
    external_runs,
    task_instances,
    task_logs,
    task_reschedules,
    task_state,
    xcoms,
)
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.previous_runs import previous_success
from slipstream.store.rendered_fields import save as save_rendered_fields
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.task_reschedules_summary import Reschedules

_EXPANSION_VALUES_KEPT = 4


class _NotThisTry(Exception):
    """Raised inside the transaction to roll back the XComs of a try that lost its claim."""


class DirectTryStore:
    """The try's reads and writes, done here on ``db``."""

    keeps_heartbeat = False

    def __init__(self, db: Database) -> None:
        self.db = db
        self._secrets = StoreSecrets(db)
        # The decoded items of the last values expanded over, by xcoms.version: each instance of
        # a task mapped over 10,000 items asks for one item, and the value is decoded once.
        self._expansion_items: dict[tuple[int, datetime], Sequence[Any] | None] = {}

    def claim(
        self, *, ti_id: int, try_number: int, hostname: str, pid: int, now: datetime, key: tuple[str, str, str, int],
        log_path: str,
    ) -> Claim | None:
        dag_id, run_id, task_id, map_index = key
        with self.db.write_connection() as connection:
            claimed = task_instances.start_try(connection, ti_id, try_number, hostname, pid, now)
            if claimed is None:
                return None
            task_logs.record(
                connection, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index,
                try_number=try_number, path=log_path, hostname=hostname, now=now,
            )
            run = dag_runs.row_by_id(connection, claimed.dag_run_id)
            previous = previous_success(connection, dag_id, run.logical_date)
        return Claim(max_tries=claimed.max_tries, dag_run=dict(run._mapping), previous_success=previous)

    def claimed_by(
        self, *, ti_id: int, try_number: int, hostname: str, pid: int, now: datetime, key: tuple[str, str, str, int],
        log_path: str,
    ) -> Claim | None:
        """The claim of a try already running in this very process (hostname and pid): made by the
        store service just before its channel broke. None when the try is not this process's."""
        dag_id = key[0]
        with self.db.read_connection() as connection:
            row = task_instances.get(connection, ti_id)
            if row is None or (row.state, row.try_number, row.hostname, row.pid) != (
                TI.RUNNING.value, try_number, hostname, pid
            ):
                return None
            run = dag_runs.row_by_id(connection, row.dag_run_id)
            previous = previous_success(connection, dag_id, run.logical_date)
        return Claim(max_tries=row.max_tries, dag_run=dict(run._mapping), previous_success=previous)

    def finished_as(self, *, ti_id: int, try_number: int, state: str) -> bool:
        """Whether this try's result is already recorded as ``state`` (a finish the store service
        ran just before its channel broke); a rescheduled try has handed its number back."""
        with self.db.read_connection() as connection:
            row = task_instances.get(connection, ti_id)
        if row is None or row.state != state:
            return False
        return row.try_number == (try_number - 1 if state == TI.UP_FOR_RESCHEDULE.value else try_number)

    def finish(
        self, *, ti_id: int, try_number: int, dag_run_id: int, key: tuple[str, str, str, int], state: str,
        xcom_values: tuple[tuple[str, Any], ...], next_try_at: datetime | None, reason: str | None,
        started_at: datetime, skip_task_ids: tuple[str, ...] = (), rendered_map_index: str | None = None,
        rendered_fields: dict[str, Any] | None = None, asset_events: tuple[dict[str, Any], ...] = (),
    ) -> bool:
        """XComs, the tasks a branch skips, what the template fields rendered to, the asset events
        of a success, and the final state in one transaction; False (and nothing written) if the
        try is no longer this one's."""
        dag_id, run_id, task_id, map_index = key
        try:
            with self.db.write_connection() as connection:
                now = utcnow()
                for name, value in xcom_values:
                    xcoms.push(
                        connection, dag_run_id=dag_run_id, dag_id=dag_id, run_id=run_id, task_id=task_id,
                        map_index=map_index, key=name, value=value, now=now,
                    )
                if not task_instances.finish_try(
                    connection, ti_id, try_number, state, now, next_try_at=next_try_at, reason=reason,
                    started_at=started_at, rendered_map_index=rendered_map_index,
                ):
                    raise _NotThisTry
                if skip_task_ids:
                    task_instances.skip_waiting(connection, dag_run_id, skip_task_ids, now)
                if rendered_fields is not None:
                    save_rendered_fields(
                        connection, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index,
                        try_number=try_number, fields=rendered_fields, now=now,
                    )
                if state == TI.UP_FOR_RESCHEDULE.value and next_try_at is not None:
                    _record_reschedule(connection, ti_id, try_number, key, started_at, now, next_try_at)
                if asset_events and state == TI.SUCCESS.value:
                    assets.record_events(connection, asset_events, key, now)
        except _NotThisTry:
            return False
        return True

    def heartbeat(self, *, ti_id: int, try_number: int) -> bool:
        with self.db.write_connection() as connection:
            return task_instances.heartbeat(connection, ti_id, try_number, utcnow())

    def heartbeat_many(self, tries: list[tuple[int, int]]) -> set[tuple[int, int]]:
        """Heartbeats of several (ti_id, try_number) in one transaction; those still running."""
        with self.db.write_connection() as connection:
            now = utcnow()
            return {(ti_id, n) for ti_id, n in tries if task_instances.heartbeat(connection, ti_id, n, now)}

    def xcom_push(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str, value: Any) -> None:
        dag_id, run_id, task_id, map_index = key
        with self.db.write_connection() as connection:
            xcoms.push(
                connection, dag_run_id=dag_run_id, dag_id=dag_id, run_id=run_id, task_id=task_id,
                map_index=map_index, key=name, value=value, now=utcnow(),
            )

    def xcom_pull(
        self, *, dag_id: str, run_id: str, task_id: str, name: str, map_index: int | None,
        include_prior_dates: bool = False,
    ) -> Any:
        with self.db.read_connection() as session:
            if include_prior_dates and map_index is not None:
                return xcoms.pull_one(
                    session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name, map_index=map_index,
                    include_prior_dates=True,
                )
            return xcoms.pull(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name, map_index=map_index)

    def xcom_pull_all(
        self, *, dag_id: str, run_id: str, task_id: str, name: str, include_prior_dates: bool = False
    ) -> list[Any]:
        with self.db.read_connection() as session:
            return xcoms.pull_all(
                session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name,
                include_prior_dates=include_prior_dates,
            )

    def xcom_items(self, *, dag_id: str, run_id: str, task_id: str, name: str, index: int | None) -> tuple[int, Any]:
        """How many items the value gives a task that expands over it (-1 when it is neither a
        list nor a dict), and item ``index`` (None without an index or out of range)."""
        with self.db.read_connection() as session:
            version = xcoms.version(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name)
            if version is None:
                return 0, None
            if version not in self._expansion_items:
                try:
                    items = as_items(xcoms.value_by_id(session, version[0]))
                except TypeError:
                    items = None
                while len(self._expansion_items) >= _EXPANSION_VALUES_KEPT:
                    del self._expansion_items[next(iter(self._expansion_items))]
                self._expansion_items[version] = items
        items = self._expansion_items[version]
        if items is None:
            return -1, None
        return len(items), items[index] if index is not None and 0 <= index < len(items) else None

    def xcom_count(self, *, dag_id: str, run_id: str, task_id: str, name: str) -> int:
        with self.db.read_connection() as session:
            return xcoms.count_mapped(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name)

    def xcom_page(self, *, dag_id: str, run_id: str, task_id: str, name: str, offset: int, limit: int) -> list[Any]:
        with self.db.read_connection() as session:
            return xcoms.page_mapped(
                session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=name, offset=offset, limit=limit
            )

    def reschedules(
        self, *, key: tuple[str, str, str, int], first_try_number: int, try_number: int
    ) -> Reschedules:
        dag_id, run_id, task_id, map_index = key
        with self.db.read() as session:
            return task_reschedules.summary(
                session, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index,
                first_try_number=first_try_number, try_number=try_number,
            )

    def external_runs(self, *, dag_id: str, logical_dates: tuple[datetime, ...]) -> dict[str, Any]:
        """``{"dag_exists", "task_ids" (None when the DAG was never parsed), "runs"}``; see
        ``external_runs.runs_at`` for the runs."""
        with self.db.read() as session:
            exists = external_runs.dag_exists(session, dag_id)
            row = dags.get_serialized(session, dag_id) if exists else None
            runs = external_runs.runs_at(session, dag_id, logical_dates) if exists else []
        task_ids = SerializedDag(row.data).task_ids if row is not None else None
        return {"dag_exists": exists, "task_ids": task_ids, "runs": runs}

    def previous_success(self, *, dag_id: str, logical_date: datetime) -> dict[str, Any] | None:
        with self.db.read() as session:
            return previous_success(session, dag_id, logical_date)

    def get_variable(self, *, key: str) -> str | None:
        return self._secrets.get_variable(key=key)

    def set_variable(self, *, key: str, value: str, description: str | None = None) -> None:
        self._secrets.set_variable(key=key, value=value, description=description)

    def delete_variable(self, *, key: str) -> int:
        return self._secrets.delete_variable(key=key)

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None:
        return self._secrets.get_connection(conn_id=conn_id)

    def trigger_dag_run(
        self, *, dag_id: str, run_id: str | None, conf: dict[str, Any] | None, logical_date: datetime | None,
        reset_dag_run: bool, fail_when_dag_is_paused: bool = False,
    ) -> dict[str, Any]:
        """``manual_runs.trigger_or_clear`` as plain data; a refusal (no such DAG, a conf the params
        reject) is returned as ``error``/``error_type`` so the task fails with the message itself."""
        try:
            done = manual_runs.trigger_or_clear(
                self.db, dag_id, run_id=run_id, conf=conf, logical_date=logical_date, reset_dag_run=reset_dag_run,
                fail_when_dag_is_paused=fail_when_dag_is_paused,
            )
        except (manual_runs.DagNotFound, ParamValidationError, ValueError) as err:
            return {"error": str(err), "error_type": type(err).__name__}
        return {"error": None, "error_type": None, **done.as_dict()}

    def dag_run_state(self, *, dag_id: str, run_id: str) -> str | None:
        return manual_runs.run_state(self.db, dag_id, run_id)

    def asset_events(self, *, dag_run_id: int | None = None, **query: Any) -> list[dict[str, Any]]:
        """The events that triggered run ``dag_run_id``, or those ``assets.events`` selects."""
        with self.db.read() as session:
            if dag_run_id is not None:
                return assets.events_of_run(session, dag_run_id)
            return assets.events(session, **query)

    def find_asset(self, *, name: str | None = None, uri: str | None = None) -> dict[str, Any] | None:
        with self.db.read() as session:
            return assets.find_asset(session, name=name, uri=uri)

    def task_state_get(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str) -> tuple[bool, Any]:
        with self.db.read() as session:
            return task_state.get(session, dag_run_id, key, name, utcnow())

    def task_state_set(
        self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str, value: Any, expires_at: datetime | None,
    ) -> None:
        with self.db.write() as session:
            task_state.set_value(session, dag_run_id, key, name, value, utcnow(), expires_at)

    def task_state_delete(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str) -> None:
        with self.db.write() as session:
            task_state.delete_key(session, dag_run_id, key, name)

    def task_state_clear(self, *, dag_run_id: int, key: tuple[str, str, str, int]) -> None:
        with self.db.write() as session:
            task_state.clear(session, dag_run_id, key)


_CALLS = frozenset(CALLS)


def _record_reschedule(
    connection: Any, ti_id: int, try_number: int, key: tuple[str, str, str, int], started_at: datetime,
    now: datetime, reschedule_date: datetime,
) -> None:
    """A poke that ended ``up_for_reschedule``: remember it (the sensor's timeout counts from the
    first poke) and give the try number back, so the next poke is the same try."""
    dag_id, run_id, task_id, map_index = key
    task_reschedules.record(
        connection, dag_id=dag_id, run_id=run_id, task_id=task_id, map_index=map_index, try_number=try_number,
        start_date=started_at, end_date=now, reschedule_date=reschedule_date,
    )
    task_instances.hand_back_try_number(connection, ti_id, try_number)


def repeat(store: DirectTryStore, method: str, kwargs: dict[str, Any], generated_run_id: bool = False) -> Any:
    """A call a task process makes again after its channel broke: the store service may have run
    it just before. A claim it made for this process is found again, a finish it recorded is not
    reported as lost, and a run whose id the task generated (``generated_run_id``) and that exists
    was created by this very call; the other calls are reads, or writes that replace (XCom,
    variable, task state) or delete, safe to run twice."""
    if method == "claim":
        return store.claim(**kwargs) or store.claimed_by(**kwargs)
    if method == "finish":
        return store.finish(**kwargs) or store.finished_as(
            ti_id=kwargs["ti_id"], try_number=kwargs["try_number"], state=kwargs["state"]
        )
    if method == "trigger_dag_run":
        done = store.trigger_dag_run(**kwargs)
        if generated_run_id and done.get("outcome") in ("exists", "cleared"):
            done = {**done, "outcome": "created"}
        return done
    if method not in _CALLS:
        raise ValueError(f"unknown call {method!r}")
    return getattr(store, method)(**kwargs)


def serve_request(store: DirectTryStore, message: tuple[str, dict[str, Any]]) -> tuple[str, Any]:
    """The store service's side: run one call from a task process and return ('ok', value) or ('error', text)."""
    method, kwargs = message
    if method not in _CALLS:
        return "error", f"unknown call {method!r}"
    try:
        return "ok", getattr(store, method)(**kwargs)
    except Exception as error:  # noqa: BLE001 - the task process reports it as its own failure
        return "error", f"{type(error).__name__}: {error}"
