"""What ``slipstream info`` reports: this Slipstream, the system, the tools it may call, the
paths it uses and the providers installed beside it; ``anonymize`` hides user names and the
database password, for pasting into an issue."""

from __future__ import annotations

import getpass
import locale
import os
import platform
import shutil
import subprocess
import sys

from sqlalchemy.engine import make_url

from slipstream import __version__
from slipstream.config import Settings
from slipstream.services.providers import installed_providers

TOOLS = ("git", "ssh", "sqlite3", "psql")

Section = dict[str, str]


def _tool_version(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        return "NOT AVAILABLE"
    flag = "-V" if name == "ssh" else "--version"
    try:
        done = subprocess.run([path, flag], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return path
    return ((done.stdout or done.stderr).strip().splitlines() or [path])[0]


def _hide_user(text: str) -> str:
    user = getpass.getuser()
    home = os.path.expanduser("~")
    text = text.replace(home, "~") if home not in ("/", "") else text
    return text.replace(user, "...") if len(user) > 2 else text


def environment_info(settings: Settings, *, anonymize: bool = False) -> dict[str, Section]:
    url = make_url(settings.sql_alchemy_conn).render_as_string(hide_password=True)
    sections: dict[str, Section] = {
        "Slipstream info": {
            "version": __version__,
            "executor": str(getattr(settings, "executor", "LocalExecutor")),
            "sql_alchemy_conn": url,
            "dags_folder": str(settings.dags_folder),
            "load_examples": str(settings.load_examples),
            "base_log_folder": str(settings.base_log_folder),
            "parallelism": str(settings.parallelism),
        },
        "System info": {
            "OS": platform.system(),
            "architecture": platform.machine(),
            "uname": str(platform.uname()),
            "locale": str(locale.getlocale()),
            "python_version": sys.version.replace("\n", " "),
            "python_location": sys.executable,
        },
        "Tools info": {name: _tool_version(name) for name in TOOLS},
        "Paths info": {
            "slipstream_home": str(settings.home),
            "system_path": os.environ.get("PATH", ""),
            "python_path": os.pathsep.join(sys.path),
            "slipstream_on_path": str(shutil.which("slipstream") is not None),
        },
        "Providers info": {p.package_name: p.version for p in installed_providers()},
    }
    if anonymize:
        sections = {title: {k: _hide_user(v) for k, v in rows.items()} for title, rows in sections.items()}
    return sections
