"""What can go wrong in a service call, in words the caller can show as they are.

The API maps each class to one HTTP status (api/errors.py); the CLI prints the message."""

from __future__ import annotations


class ServiceError(Exception):
    """Base of the errors a service raises on purpose; ``str(error)`` says what and what to do."""


class NotFound(ServiceError):
    """The thing asked for does not exist (a DAG, a run, a task instance, a pool...)."""


class AlreadyExists(ServiceError):
    """Creating something whose name or id is taken."""


class InvalidRequest(ServiceError):
    """The request itself is wrong: a bad value, an invalid param, a state that cannot be set."""


class Conflict(ServiceError):
    """The request is well formed but the current state refuses it (a run id that exists...)."""


class Unsupported(ServiceError):
    """Slipstream cannot do this yet; the message names the feature."""


class AuthenticationFailed(ServiceError):
    """Wrong username or password, or an inactive user."""
