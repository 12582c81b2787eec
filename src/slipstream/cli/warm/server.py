"""The warm start server: a process that has imported what ``dags test`` and ``tasks test`` need
and forks a child per command, which takes the command's terminal, folder and environment and
runs it as a fresh ``slipstream`` would.

One runs per home and installation (a lock beside its socket). It refuses a caller of another
user, and ends after ``[cli] warm_start_idle_timeout`` seconds without a command, when a file of
the code it imported changes (the command then runs afresh and starts a new server), when its
socket is removed or taken over, or when the home folder is gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import selectors
import signal
import socket
import struct
import sys
import time
from pathlib import Path
from typing import Any

from slipstream.cli.warm import address
from slipstream.cli.warm.client import HEADER, frame, read_exactly

CHECK_SECONDS = 2.0
MAX_REQUEST = 16 << 20  # bytes: arguments and environment
# Imported once here, so that each command's child has them: the command line, the store, the
# DAG file parser, the scheduler's run-to-end loop, the executor and what its processes preload.
WARM_MODULES = (
    "slipstream.cli.main", "slipstream.cli.progress", "slipstream.cli.environment", "slipstream.store.migrate",
    "slipstream.store.models", "slipstream.store.run_progress", "slipstream.dagfiles.processor",
    "slipstream.scheduler.run_to_end", "slipstream.scheduler.triggering", "slipstream.services.run_logs",
    "slipstream.services.context", "slipstream.executors.local", "slipstream.executors.store_service",
    "slipstream.executors.loader", "slipstream.runner.task_runner", "slipstream.sdk.dag",
    "slipstream.dagfiles.airflow_imports",
    "rich.live", "rich.table",
)


def main(argv: list[str]) -> None:
    path, home = Path(argv[0]), Path(argv[1])
    lock = open(path.with_suffix(".lock"), "a")  # noqa: SIM115 - held for the server's life
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return  # another server of this home and installation runs or starts
    from slipstream.processes.proctitle import set_process_title

    set_process_title(f"slipstream warm start server (home {home})")
    os.chdir("/")  # pin no folder; each command runs in its caller's
    _warm_up()
    Server(path, home, address.idle_timeout(os.environ, str(home)), lock).serve()


def _warm_up() -> None:
    import importlib

    from slipstream.executors.local import PRELOAD

    for module in (*WARM_MODULES, *PRELOAD):
        try:
            importlib.import_module(module)
        except ImportError as err:
            print(f"warm start: {module} not imported: {err}", file=sys.stderr)
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def code_stamp() -> dict[str, int]:
    """The modification time of every imported module's file: a change means new code."""
    stamp = {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file:
            with contextlib.suppress(OSError):
                stamp[file] = os.stat(file).st_mtime_ns
    return stamp


def changed_since(stamp: dict[str, int]) -> str | None:
    """The first file of ``stamp`` changed or gone since, or None."""
    for file, mtime in stamp.items():
        try:
            if os.stat(file).st_mtime_ns != mtime:
                return file
        except OSError:
            return file
    return None


class Server:
    def __init__(self, path: Path, home: Path, idle_timeout: float, lock: Any = None) -> None:
        """``lock``: the open lock file that says this server runs (a command's child closes it)."""
        self.path, self.home, self.idle_timeout, self.lock = path, home, idle_timeout, lock
        self.stamp = code_stamp()
        self.children: dict[int, socket.socket] = {}  # command child pid -> its caller's connection
        self.selector = selectors.DefaultSelector()
        self.last_activity = time.monotonic()
        self.running = True

    def serve(self) -> None:
        listener = self._listen()
        wake_read, wake_write = os.pipe()
        os.set_blocking(wake_read, False)
        os.set_blocking(wake_write, False)
        signal.set_wakeup_fd(wake_write)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGTERM, lambda *_: self._stop())
        signal.signal(signal.SIGINT, lambda *_: self._stop())
        self.selector.register(listener, selectors.EVENT_READ, "accept")
        self.selector.register(wake_read, selectors.EVENT_READ, "wake")
        identity = self.path.stat().st_ino
        next_check = time.monotonic() + CHECK_SECONDS
        try:
            while self.running:
                for key, _ in self.selector.select(CHECK_SECONDS):
                    if key.data == "accept":
                        self._accept(listener)
                    elif key.data == "wake":
                        with contextlib.suppress(BlockingIOError):
                            os.read(wake_read, 512)
                    else:
                        self._caller_gone(key.data)
                self._reap()
                if time.monotonic() >= next_check:
                    next_check = time.monotonic() + CHECK_SECONDS
                    self._check(identity)
        finally:
            self._remove_socket(identity)

    def _listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        staging = self.path.with_name(f"{self.path.stem}.{os.getpid()}.tmp")
        with contextlib.suppress(FileNotFoundError):
            staging.unlink()
        listener.bind(str(staging))
        os.chmod(staging, 0o600)
        listener.listen(16)
        os.replace(staging, self.path)  # callers only ever find a server that is ready
        return listener

    def _check(self, identity: int) -> None:
        idle = not self.children and time.monotonic() - self.last_activity > self.idle_timeout
        try:
            moved = self.path.stat().st_ino != identity
        except OSError:
            moved = True
        if idle or moved or not self.home.is_dir():
            self._stop()

    def _stop(self) -> None:
        self.running = False

    def _remove_socket(self, identity: int) -> None:
        with contextlib.suppress(OSError):
            if self.path.stat().st_ino == identity:
                self.path.unlink()

    def _accept(self, listener: socket.socket) -> None:
        conn, _ = listener.accept()
        self.last_activity = time.monotonic()
        changed = changed_since(self.stamp)
        if changed is not None or _peer_uid(conn) != os.getuid():
            conn.close()  # the caller runs the command itself (and starts a new server)
            if changed is not None:
                print(f"warm start: {changed} changed: ending", file=sys.stderr)
                self._stop()
            return
        try:
            request, fds = _receive(conn)
        except Exception as err:  # noqa: BLE001 - a bad request must not end the server
            print(f"warm start: a request could not be read: {err!r}", file=sys.stderr)
            conn.close()
            return
        try:
            pid = os.fork()
            if pid == 0:
                self._become_command(request, fds, conn)
            self.children[pid] = conn
            try:
                _send(conn, {"pid": pid})
            except OSError:  # the caller is gone already
                os.kill(pid, signal.SIGHUP)
                return
            self.selector.register(conn, selectors.EVENT_READ, pid)
            conn = None  # type: ignore[assignment]
        finally:
            for fd in fds:
                os.close(fd)
            if conn is not None:
                conn.close()

    def _caller_gone(self, pid: int) -> None:
        """The command's caller closed its end (killed): end the command as a hung-up terminal would."""
        conn = self.children.get(pid)
        if conn is None:
            return
        with contextlib.suppress(OSError):
            if conn.recv(1):
                return
        self.selector.unregister(conn)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGHUP)

    def _reap(self) -> None:
        from slipstream.processes.subreaper import reap_ended

        for pid, code in reap_ended():
            conn = self.children.pop(pid, None)
            self.last_activity = time.monotonic()
            if conn is None:
                continue
            with contextlib.suppress(KeyError, ValueError):
                self.selector.unregister(conn)
            with contextlib.suppress(OSError):
                _send(conn, {"exit": code})
            conn.close()

    def _become_command(self, request: dict[str, Any], fds: list[int], conn: socket.socket) -> None:
        """In the forked child: take the caller's terminal, folder and environment; run the command."""
        code = 1
        try:
            os.setsid()
            from slipstream.processes import python_process

            python_process.reset_signals()
            for key in list(self.selector.get_map().values()):
                if isinstance(key.fileobj, socket.socket):
                    key.fileobj.close()
            self.selector.close()
            conn.close()
            if self.lock is not None:
                self.lock.close()  # the lock is the server's: a new one may start while this command runs
            _take_streams(fds, request["streams"], request["env"])
            os.chdir(request["cwd"])
            os.environ.clear()
            os.environ.update(request["env"])
            time.tzset()
            os.umask(int(request["umask"]))
            sys.argv = [request["argv0"], *request["argv"]]
            from slipstream.processes.proctitle import set_process_title

            set_process_title(" ".join(["slipstream", *request["argv"]]))
            python_process.allow_forks()
            code = _run_cli()
        except BaseException:  # noqa: BLE001 - the child ends here whatever happened
            import traceback

            traceback.print_exc()
        finally:
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(code)


def _run_cli() -> int:
    from slipstream.cli.main import main as cli_main
    from slipstream.processes.python_process import exit_code

    try:
        cli_main()
    except SystemExit as exit_:
        return exit_code(exit_)
    return 0


def _take_streams(fds: list[int], streams: list[list[str]], env: dict[str, str]) -> None:
    """The caller's stdin, stdout and stderr on 0, 1 and 2, buffered as a new interpreter would."""
    import io

    for target, fd in enumerate(fds[:3]):
        os.dup2(fd, target)
    for fd in fds:
        if fd > 2:
            os.close(fd)
    unbuffered = bool(env.get("PYTHONUNBUFFERED"))
    made = []
    for fd, (encoding, errors) in enumerate(streams[:3]):
        tty = os.isatty(fd)
        raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
        if fd == 0:
            made.append(io.TextIOWrapper(io.BufferedReader(raw), encoding, errors, line_buffering=tty))
            continue
        made.append(
            io.TextIOWrapper(
                io.BufferedWriter(raw), encoding, errors,
                line_buffering=tty or fd == 2, write_through=unbuffered,
            )
        )
    sys.stdin, sys.stdout, sys.stderr = made
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = made


def _receive(conn: socket.socket) -> tuple[dict[str, Any], list[int]]:
    import marshal

    data, fds, _, _ = socket.recv_fds(conn, 1 << 16, 3)
    if len(fds) != 3:
        for fd in fds:
            os.close(fd)
        raise ValueError(f"expected the caller's 3 standard streams, got {len(fds)}")
    if len(data) < HEADER:
        raise ValueError("a request shorter than its header")
    size = int.from_bytes(data[:HEADER], "big")
    if size > MAX_REQUEST:
        raise ValueError(f"a request of {size} bytes")
    rest = read_exactly(conn, size - len(data) + HEADER)
    if rest is None:
        raise ValueError("the request ended early")
    return marshal.loads(data[HEADER:] + rest), list(fds)


def _peer_uid(conn: socket.socket) -> int:
    credentials = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", credentials)[1]


def _send(conn: socket.socket, message: dict[str, Any]) -> None:
    conn.sendall(frame(message))
