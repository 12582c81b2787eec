"""Interpreters and cached virtual environments for the virtualenv and external-python operators.

An environment is identified by a hash of what makes it (the interpreter's version, the
requirements, the pip options), kept under the cache folder as ``venv-<hash>``, and built
under an ``flock`` so that parallel task instances (mapped tasks) build it once; the others
wait for the lock and reuse it. A ``slipstream-venv.json`` marker, written last, tells a
finished environment from one a killed build left behind (that one is built again).
"""

from __future__ import annotations

import contextlib
import fcntl
import glob
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from slipstream.sdk.exceptions import AirflowException

MARKER = "slipstream-venv.json"
_VERSION_PROBE = "import sys; print('.'.join(map(str, sys.version_info[:3])))"


def default_cache_folder() -> Path:
    """``[core] virtualenv_cache`` of the configuration of ``$SLIPSTREAM_HOME`` (default ``<home>/venvs``)."""
    from slipstream.config import Config

    return Path(Config.load().get("core", "virtualenv_cache")).expanduser()


def interpreter_version(python: str) -> tuple[str | None, str]:
    """The full version (``3.12.1``) of an interpreter, or None and why it could not be run."""
    try:
        probe = subprocess.run([python, "-c", _VERSION_PROBE], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as err:
        return None, str(err)
    if probe.returncode != 0:
        lines = (probe.stderr or probe.stdout).strip().splitlines()
        return None, lines[0] if lines else f"exit code {probe.returncode}"
    return probe.stdout.strip(), ""


def find_python(version: str | None) -> tuple[str, str]:
    """The interpreter for ``python_version`` and its full version.

    None means the task's own Python. Otherwise ``python<version>`` on PATH, then pyenv's
    ``~/.pyenv/versions/<version>*/bin/python``; a candidate must run and report that version
    (a pyenv shim for a version that is not selected does not, so shims are tried last).
    """
    if version is None:
        return sys.executable, ".".join(map(str, sys.version_info[:3]))
    version = str(version).strip()
    looked: list[str] = []
    pyenv_root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    pattern = os.path.join(pyenv_root, "versions", f"{version}*", "bin", "python")
    found = sorted(glob.glob(pattern), reverse=True)
    if not found:
        looked.append(f"nothing matches {pattern}")
    on_path = shutil.which(f"python{version}")
    if not on_path:
        looked.append(f"python{version} is not on PATH")
        candidates = found
    elif Path(on_path).parent == Path(pyenv_root, "shims"):
        # A pyenv shim leads to one of ``found`` at best, and runs only if that version is selected.
        candidates = [*found, on_path]
    else:
        candidates = [on_path, *found]
    for candidate in candidates:
        full, why = interpreter_version(candidate)
        if full is not None and (full == version or full.startswith(version + ".")):
            return candidate, full
        looked.append(f"{candidate} " + (f"is Python {full}" if full else f"does not run ({why})"))
    raise AirflowException(
        f"Python {version} is not on this machine, so the virtual environment cannot be made: "
        f"{'; '.join(looked)}. Install Python {version} (for example `pyenv install {version}`) "
        "or set python_version to a version that is installed."
    )


def environment_key(python_version: str, requirements: Sequence[str], options: Mapping[str, object]) -> dict:
    return {"python": python_version, "requirements": list(requirements), **options}


def env_folder(cache: Path, key: Mapping[str, object]) -> Path:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return cache / f"venv-{digest}"


@contextlib.contextmanager
def _locked(path: Path, log: logging.Logger) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("Waiting for another task that is building the same virtual environment (lock %s)", path)
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def run_streaming(command: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | None = None) -> int:
    """Run ``command`` with its stdout and stderr copied line by line to this process's stdout (the task log)."""
    sys.stdout.flush()
    process = subprocess.Popen(
        list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, cwd=cwd, restore_signals=True
    )
    assert process.stdout is not None
    try:
        for raw in process.stdout:
            sys.stdout.write(raw.decode("utf-8", errors="replace"))
            sys.stdout.flush()
        return process.wait()
    except BaseException:
        process.terminate()
        process.wait()
        raise


def prepared_venv(
    *,
    cache: Path,
    python: str,
    python_version: str,
    requirements: Sequence[str],
    system_site_packages: bool,
    pip_install_options: Sequence[str],
    index_urls: Sequence[str] | None,
    log: logging.Logger,
) -> Path:
    """The cached environment for these inputs, built first if needed; returns its python."""
    options = {
        "system_site_packages": system_site_packages,
        "pip_install_options": list(pip_install_options),
        "index_urls": list(index_urls) if index_urls is not None else None,
    }
    key = environment_key(python_version, requirements, options)
    folder = env_folder(cache, key)
    venv_python = folder / "bin" / "python"
    info = log.info
    with _locked(folder.with_name(folder.name + ".lock"), log):
        marker = folder / MARKER
        if marker.is_file() and venv_python.exists():
            info("Reusing the cached virtual environment %s (Python %s, requirements: %s)",
                 folder, python_version, ", ".join(requirements) or "none")
            return venv_python
        if folder.exists():
            info("Removing the unfinished virtual environment %s", folder)
            shutil.rmtree(folder)
        started = time.monotonic()
        info("Creating a virtual environment with Python %s (%s) in %s", python_version, python, folder)
        command = [python, "-m", "venv", str(folder)]
        if system_site_packages:
            command.append("--system-site-packages")
        if not requirements:
            command.append("--without-pip")
        if run_streaming(command) != 0:
            shutil.rmtree(folder, ignore_errors=True)
            raise AirflowException(f"Creating the virtual environment with {python} -m venv failed (see the log above)")
        if requirements:
            req_file = folder / "requirements.txt"
            req_file.write_text("".join(f"{line}\n" for line in requirements))
            install = [str(venv_python), "-m", "pip", "install", *pip_install_options]
            for i, url in enumerate(index_urls or ()):
                install += ["--index-url" if i == 0 else "--extra-index-url", url]
            install += ["-r", str(req_file)]
            info("Installing: %s", " ".join(requirements))
            if run_streaming(install) != 0:
                raise AirflowException(
                    f"pip could not install the requirements {list(requirements)} into {folder} (its output is in "
                    "the log above); check the names and versions, and that the package index is reachable"
                )
        marker.write_text(json.dumps(key, indent=2, sort_keys=True))
        info("Virtual environment ready in %.1f s", time.monotonic() - started)
        return venv_python
