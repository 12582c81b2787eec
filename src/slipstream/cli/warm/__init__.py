"""Warm start: ``dags test`` and ``tasks test`` run in a fork of a process that has imported
everything they need, so their first task starts in milliseconds instead of after a second
of imports.

The first such command runs as usual and then starts the warm start server (``server.py``) in
the background; later ones hand their arguments, working folder, environment and terminal to
it (``client.py``), and it forks a child that runs the command as if started afresh. The server
ends after ``[cli] warm_start_idle_timeout`` seconds without a command, when Slipstream's code
changes, or when its home folder is gone; ``[cli] warm_start = false`` turns it off.
"""
