"""The operations a user asks for (trigger, clear, mark, list, read logs, manage users...), one
implementation under the CLI, the REST API and the UI. Functions take a ``ServiceContext`` (or a
session where the caller composes several), own their transactions, return typed values and
raise ``services.errors`` exceptions; no HTTP codes and no terminal output here."""
