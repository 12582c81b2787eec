"""The command's side of a warm start: hand the command to the server, pass on the signals it
gets (Ctrl-C, a closed terminal), and end as the command ended. A few standard modules only.

Messages both ways are ``marshal`` dumps of plain dicts, each after its length (4 bytes): no
import to pay for, and both ends are the same Python (the socket's name depends on it)."""

from __future__ import annotations

import marshal
import os
import signal
import socket
import sys

FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1, signal.SIGUSR2)
HEADER = 4


def frame(message: dict[str, object]) -> bytes:
    body = marshal.dumps(message)
    return len(body).to_bytes(HEADER, "big") + body


def read_frame(sock: socket.socket) -> dict[str, object] | None:
    """The next message, or None when the other end closed the connection."""
    header = read_exactly(sock, HEADER)
    if header is None:
        return None
    body = read_exactly(sock, int.from_bytes(header, "big"))
    return marshal.loads(body) if body is not None else None


def read_exactly(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        try:
            more = sock.recv(size - len(data))
        except OSError:
            return None
        if not more:
            return None
        data += more
    return data


def request(argv: list[str]) -> dict[str, object]:
    """What the server needs to run the command as this process would."""
    return {
        "argv0": sys.argv[0],
        "argv": argv,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "umask": _umask(),
        "streams": [
            [getattr(s, "encoding", None) or "utf-8", getattr(s, "errors", None) or "strict"]
            for s in (sys.stdin, sys.stdout, sys.stderr)
        ],
    }


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def run(argv: list[str], path: str) -> int | None:
    """Run the command through the server at ``path``; its exit code, or None when no server
    takes it (none runs, or it is out of date and ends): then run it here."""
    try:
        if os.lstat(path).st_uid != os.getuid():
            return None
    except OSError:
        return None
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
        socket.send_fds(sock, [frame(request(argv))], [0, 1, 2])
    except OSError:
        sock.close()
        return None
    first = read_frame(sock) or {}
    if "pid" not in first:
        sock.close()
        return None
    pid = int(first["pid"])  # type: ignore[call-overload]
    previous = {sig: signal.signal(sig, lambda sig, _frame: _forward(pid, sig)) for sig in FORWARDED_SIGNALS}
    try:
        last = read_frame(sock) or {}
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        sock.close()
    if "exit" not in last:
        print(
            f"slipstream: the warm start server ended while it ran the command (pid {pid}); its outcome is unknown. "
            "Set [cli] warm_start = false (SLIPSTREAM__CLI__WARM_START=false) to run commands without it.",
            file=sys.stderr,
        )
        return 1
    code = int(last["exit"])  # type: ignore[call-overload]
    if code < 0:  # killed by a signal: end the same way, as the shell expects
        sys.stdout.flush()
        signal.signal(-code, signal.SIG_DFL)
        os.kill(os.getpid(), -code)
        return 128 - code
    return code


def _forward(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def start_server(path: str, home: str) -> None:
    """Start the server in the background for the next command (it stops at once if one runs)."""
    import subprocess

    code = "import sys; from slipstream.cli.warm.server import main; main(sys.argv[1:])"
    try:
        with open(path[: -len(".sock")] + ".log", "ab") as out:
            subprocess.Popen(
                [sys.executable, "-c", code, path, home], stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                start_new_session=True,
            )
    except OSError:
        pass  # no warm start: commands still run, as before
