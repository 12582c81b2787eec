"""The log of one try: ``GET .../taskInstances/{task_id}/logs/{try_number}``.

Without ``full_content`` an answer holds at most about 1 MiB of lines and a continuation token;
passing the token back returns what was written since, so a client tails a running try until
the token comes back null (the try is over and everything was read). The token is the byte
offset read so far, bound to the try and signed, so it cannot be forged or used for another log.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict

from slipstream.api.security import READ, service_context
from slipstream.api.task_instance_filters import MapIndexQuery, TryNumberPath
from slipstream.config.jwt_secret import signing_secret
from slipstream.services import task_logs
from slipstream.services.errors import InvalidRequest, Unsupported

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])
TIS = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"
TOKEN_HEADER = "Airflow-Continuation-Token"


class StructuredLogMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    event: str
    timestamp: str | None = None


class TaskInstancesLogResponse(BaseModel):
    content: list[StructuredLogMessage] | list[str]
    continuation_token: str | None


class ExternalLogUrlResponse(BaseModel):
    url: str


def _key(request: Request) -> bytes:
    key = getattr(request.app.state, "log_token_key", None)
    if key is None:
        secret = signing_secret(service_context(request).settings)
        key = request.app.state.log_token_key = hashlib.sha256(b"slipstream log token\0" + secret.encode()).digest()
    return key


def _sign(request: Request, payload: bytes) -> str:
    return hmac.new(_key(request), payload, hashlib.sha256).hexdigest()[:32]


def encode_token(request: Request, try_key: list[Any], offset: int) -> str:
    payload = base64.urlsafe_b64encode(json.dumps({"k": try_key, "o": offset}).encode()).rstrip(b"=")
    return f"{payload.decode()}.{_sign(request, payload)}"


def decode_token(request: Request, token: str, try_key: list[Any]) -> int:
    payload, _, signature = token.partition(".")
    try:
        if hmac.compare_digest(signature, _sign(request, payload.encode())):
            data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            if data.get("k") == try_key and isinstance(data.get("o"), int):
                return data["o"]
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidRequest("Bad continuation token: pass back only the continuation_token this log's previous answer "
                         "gave (a token is good for one try's log)")


def _structured(line: task_logs.LogLine) -> dict[str, Any]:
    found: dict[str, Any] = {"event": line.event}
    if line.timestamp is not None:
        found["timestamp"] = line.timestamp.isoformat()
    if line.level is not None:
        found["level"] = line.level
    if line.logger is not None:
        found["logger"] = line.logger
    return found


@router.get(TIS + "/{task_id}/logs/{try_number}", dependencies=[READ], response_model=TaskInstancesLogResponse)
def get_log(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, try_number: int = TryNumberPath(),
    full_content: bool = False, map_index: int = MapIndexQuery(), token: str | None = None,
    accept: str = Header(default="*/*", description="application/json (also */*), application/x-ndjson (one JSON "
                         "line per log line) or text/plain (the log as written)"),
) -> Any:
    """The log of try ``try_number``, from where ``token`` says the last answer stopped."""
    try_key = [dag_id, dag_run_id, task_id, map_index, try_number]
    offset = decode_token(request, token, try_key) if token else 0
    chunk = task_logs.read_log(service_context(request), dag_id, dag_run_id, task_id, try_number, map_index=map_index,
                               offset=offset, full_content=full_content)
    next_token = None if chunk.end_of_log else encode_token(request, try_key, chunk.next_offset)
    headers = {TOKEN_HEADER: next_token} if next_token else {}
    kinds = [part.split(";")[0].strip().lower() for part in accept.split(",")]
    if "application/x-ndjson" in kinds:
        body = "".join(json.dumps(_structured(line)) + "\n" for line in chunk.lines)
        return Response(body, media_type="application/x-ndjson", headers=headers)
    if "text/plain" in kinds and "application/json" not in kinds:
        return Response(chunk.text, media_type="text/plain; charset=utf-8", headers=headers)
    return JSONResponse({"content": [_structured(line) for line in chunk.lines], "continuation_token": next_token},
                        headers=headers)


@router.get(TIS + "/{task_id}/externalLogUrl/{try_number}", dependencies=[READ])
def get_external_log_url(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, try_number: int = TryNumberPath(),
    map_index: int = MapIndexQuery(),
) -> ExternalLogUrlResponse:
    """Slipstream keeps task logs in files it serves itself: there is no external log URL."""
    raise Unsupported("External log URLs are not supported: Slipstream's task logs are files read through "
                      f"{TIS}/{{task_id}}/logs/{{try_number}}")
