"""Which commands go to the warm start server, whether it is on, and where it listens. Read by
every ``slipstream`` command before anything else is imported: a few standard modules only (no
pathlib, json or typing: their imports alone would cost a warm command a tenth of its time)."""

from __future__ import annotations

import hashlib
import os
import sys
from collections.abc import Mapping, Sequence

WARM_COMMANDS = (("dags", "test"), ("tasks", "test"))
DEFAULT_IDLE_TIMEOUT = 900.0


def eligible(argv: Sequence[str]) -> bool:
    """A command the warm start server runs (not its help, which is as quick either way)."""
    return tuple(argv[:2]) in WARM_COMMANDS and not any(arg in ("--help", "-h") for arg in argv[2:])


def home_of(environ: Mapping[str, str]) -> str:
    """The home folder, as ``config.settings.default_home`` finds it, resolved."""
    raw = environ.get("SLIPSTREAM_HOME") or environ.get("AIRFLOW_HOME") or "~/slipstream"
    return os.path.realpath(os.path.expanduser(raw))


def _option(environ: Mapping[str, str], home: str, key: str) -> object:
    """A ``[cli]`` option from the environment or ``slipstream.toml`` (settings' precedence), or None."""
    for prefix in ("SLIPSTREAM", "AIRFLOW"):
        name = f"{prefix}__CLI__{key.upper()}"
        if name in environ:
            return environ[name]
    try:
        with open(os.path.join(home, "slipstream.toml"), encoding="utf-8") as file:
            text = file.read()
    except (OSError, UnicodeDecodeError):
        return None
    if key not in text:
        return None  # most files never name it: spare every command the TOML parser's import
    import tomllib

    try:
        table = tomllib.loads(text).get("cli", {})
    except tomllib.TOMLDecodeError:
        return None  # the command itself says what is wrong with the file
    return table.get(key) if isinstance(table, dict) else None


def enabled(environ: Mapping[str, str], home: str) -> bool:
    value = _option(environ, home, "warm_start")
    return value is None or str(value).strip().lower() not in ("0", "false", "no", "off")


def idle_timeout(environ: Mapping[str, str], home: str) -> float:
    value = _option(environ, home, "warm_start_idle_timeout")
    try:
        return float(value) if value is not None else DEFAULT_IDLE_TIMEOUT  # type: ignore[arg-type]
    except ValueError:
        return DEFAULT_IDLE_TIMEOUT


def runtime_folder(environ: Mapping[str, str]) -> str | None:
    """This user's folder for the server's socket: private (0700, ours), or None (then no warm start)."""
    base = environ.get("XDG_RUNTIME_DIR")
    folder = os.path.join(base, "slipstream") if base else f"/tmp/slipstream-{os.getuid()}"
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    import stat

    if info.st_uid != os.getuid() or info.st_mode & 0o077 or not stat.S_ISDIR(info.st_mode):
        return None  # someone else's folder (or a link to one): their server would read our environment
    return folder


def socket_path(home: str, environ: Mapping[str, str]) -> str | None:
    """One server per home and installation (the Python and the Slipstream it runs)."""
    folder = runtime_folder(environ)
    if folder is None:
        return None
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
    key = hashlib.sha256(f"{home}\0{sys.executable}\0{package}".encode()).hexdigest()[:20]
    return os.path.join(folder, f"{key}.sock")
