"""The ``slipstream`` command: ``dags test`` and ``tasks test`` go to the warm start server when
one runs (``cli/warm``), everything else, and those when none runs, to the command line here.
Imports only the standard library until it knows which."""

from __future__ import annotations

import os
import sys


def main() -> None:
    argv = sys.argv[1:]
    from slipstream.cli.warm import address

    path = None
    if address.eligible(argv):
        home = address.home_of(os.environ)
        if address.enabled(os.environ, home):
            path = address.socket_path(home, os.environ)
    if path is not None:
        from slipstream.cli.warm import client

        code = client.run(argv, path)
        if code is not None:
            sys.exit(code)
    from slipstream.cli.main import main as run_here

    try:
        run_here()
    finally:
        if path is not None:
            from slipstream.cli.warm import client

            client.start_server(path, home)
