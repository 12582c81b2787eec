"""Connections to and from files, as Airflow's ``connections export`` and ``import`` write and
read them: JSON or YAML (``{conn_id: {conn_type, host, ...}}``) and ``.env`` (``CONN_ID=URI`` or
``CONN_ID={json}`` per line). Exports carry the passwords, as Airflow's do."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from slipstream.sdk.connection import Connection as SdkConnection
from slipstream.sdk.exceptions import AirflowException
from slipstream.services import connections as connection_service
from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest

FILE_FORMATS = ("json", "yaml", "env")
SERIALIZATIONS = ("uri", "json")
EXPORTED = ("conn_type", "description", "host", "login", "password", "schema", "port", "extra")


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # already there, not overwritten


def format_of(filename: str, file_format: str | None) -> str:
    chosen = file_format or filename.rsplit(".", 1)[-1].lower().replace("yml", "yaml")
    if chosen not in FILE_FORMATS:
        raise InvalidRequest(f"Unsupported file format {chosen!r}: use a .json, .yaml, .yml or .env file "
                             "(or --file-format json|yaml|env)")
    return chosen


def export_text(ctx: ServiceContext, file_format: str, serialization: str = "uri") -> str:
    stored = connection_service.list_connections(ctx, redacted=False).items
    if file_format == "env":
        lines = []
        for item in stored:
            connection = SdkConnection(**item.as_dict())
            lines.append(f"{item.conn_id}={connection.get_uri() if serialization == 'uri' else connection.as_json()}")
        return "".join(line + "\n" for line in lines)
    data = {item.conn_id: {name: getattr(item, name) for name in EXPORTED} for item in stored}
    if file_format == "yaml":
        import yaml

        return yaml.safe_dump(data, sort_keys=False)
    return json.dumps(data, indent=2) + "\n"


def _from_mapping(conn_id: str, fields: Any) -> SdkConnection:
    if isinstance(fields, str):
        return SdkConnection.from_text(conn_id, fields)
    if not isinstance(fields, dict):
        raise InvalidRequest(f"Connection {conn_id!r} must be an object of fields or a URI")
    return SdkConnection.from_json(json.dumps(fields), conn_id=conn_id)


def parse_text(text: str, file_format: str) -> list[SdkConnection]:
    """The connections a file defines, in its order; a malformed file is an InvalidRequest."""
    try:
        if file_format == "env":
            found = []
            for number, line in enumerate(text.splitlines(), start=1):
                if not line.strip() or line.lstrip().startswith("#"):
                    continue
                conn_id, sep, value = line.partition("=")
                if not sep or not conn_id.strip():
                    raise InvalidRequest(f"Line {number} is not CONN_ID=URI or CONN_ID={{json}}: {line.strip()}")
                found.append(SdkConnection.from_text(conn_id.strip(), value))
            return found
        if file_format == "yaml":
            import yaml

            data = yaml.safe_load(text) or {}
        else:
            data = json.loads(text or "{}")
    except (json.JSONDecodeError, ValueError, AirflowException) as err:
        raise InvalidRequest(f"The file is not valid {file_format}: {err}") from None
    except Exception as err:  # noqa: BLE001 - yaml's own errors, said in one line
        raise InvalidRequest(f"The file is not valid {file_format}: {err}") from None
    if not isinstance(data, dict):
        raise InvalidRequest("The file must hold an object of connections by conn_id")
    try:
        return [_from_mapping(str(conn_id), fields) for conn_id, fields in data.items()]
    except (AirflowException, ValueError) as err:
        raise InvalidRequest(str(err)) from None


def import_connections(ctx: ServiceContext, connections: list[SdkConnection], *, overwrite: bool) -> ImportResult:
    result = ImportResult()
    for connection in connections:
        if not connection.conn_type:
            raise InvalidRequest(f"Connection {connection.conn_id} has no conn_type")
        fields = connection.to_dict()
        try:
            connection_service.create_connection(ctx, connection_service.Connection(**fields))
            result.created.append(connection.conn_id)
        except AlreadyExists:
            if not overwrite:
                result.skipped.append(connection.conn_id)
                continue
            changes = {k: v for k, v in fields.items() if k != "conn_id"}
            connection_service.update_connection(ctx, connection.conn_id, changes, update_mask=sorted(changes))
            result.updated.append(connection.conn_id)
    return result
