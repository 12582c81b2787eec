"""Endpoints of Airflow's ``/api/v2`` that Slipstream cannot answer truthfully: each says which
feature is missing (501) instead of answering an empty success."""

from __future__ import annotations

from fastapi import APIRouter

from slipstream.api.security import OPERATE, READ
from slipstream.services.errors import Unsupported

router = APIRouter(prefix="/api/v2")

AUDIT_LOG = ("Slipstream keeps no audit log (Airflow's event logs of who did what): /api/v2/eventLogs is not "
             "supported")
BACKFILLS = ("Slipstream does not support backfills through the API (use `slipstream dags backfill DAG_ID -s START "
             "-e END`); its backfill runs are listed with the DAG's runs (run_type backfill)")


ASSET_STATE = "Slipstream has no asset state store (/api/v2/assets/{asset_id}/state-store)"


def _no_audit_log() -> None:
    raise Unsupported(AUDIT_LOG)


def _no_backfills() -> None:
    raise Unsupported(BACKFILLS)


@router.get("/eventLogs", tags=["Event Log"], dependencies=[READ])
def get_event_logs() -> None:
    _no_audit_log()


@router.get("/eventLogs/{event_log_id}", tags=["Event Log"], dependencies=[READ])
def get_event_log(event_log_id: int) -> None:
    _no_audit_log()


@router.get("/backfills", tags=["Backfill"], dependencies=[READ])
def list_backfills() -> None:
    _no_backfills()


@router.get("/backfills/{backfill_id}", tags=["Backfill"], dependencies=[READ])
def get_backfill(backfill_id: int) -> None:
    _no_backfills()


@router.post("/backfills", tags=["Backfill"], dependencies=[OPERATE])
def create_backfill() -> None:
    _no_backfills()


@router.post("/backfills/dry_run", tags=["Backfill"], dependencies=[OPERATE])
def create_backfill_dry_run() -> None:
    _no_backfills()


@router.put("/backfills/{backfill_id}/pause", tags=["Backfill"], dependencies=[OPERATE])
def pause_backfill(backfill_id: int) -> None:
    _no_backfills()


@router.put("/backfills/{backfill_id}/unpause", tags=["Backfill"], dependencies=[OPERATE])
def unpause_backfill(backfill_id: int) -> None:
    _no_backfills()


@router.put("/backfills/{backfill_id}/cancel", tags=["Backfill"], dependencies=[OPERATE])
def cancel_backfill(backfill_id: int) -> None:
    _no_backfills()


@router.get("/assets/{asset_id}/state-store", tags=["Asset"], dependencies=[READ])
def get_asset_state_store(asset_id: int) -> None:
    raise Unsupported(ASSET_STATE)


@router.delete("/assets/{asset_id}/state-store", tags=["Asset"], dependencies=[OPERATE])
def clear_asset_state_store(asset_id: int) -> None:
    raise Unsupported(ASSET_STATE)


@router.get("/assets/{asset_id}/state-store/{key}", tags=["Asset"], dependencies=[READ])
def get_asset_state(asset_id: int, key: str) -> None:
    raise Unsupported(ASSET_STATE)


@router.put("/assets/{asset_id}/state-store/{key}", tags=["Asset"], dependencies=[OPERATE])
def set_asset_state(asset_id: int, key: str) -> None:
    raise Unsupported(ASSET_STATE)


@router.delete("/assets/{asset_id}/state-store/{key}", tags=["Asset"], dependencies=[OPERATE])
def delete_asset_state(asset_id: int, key: str) -> None:
    raise Unsupported(ASSET_STATE)
