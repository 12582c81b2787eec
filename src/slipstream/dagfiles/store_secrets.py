"""Variables and Connections read from and written to the store directly: the secrets provider
(``slipstream.sdk.secrets``) of processes that hold a database handle, such as the DAG file
parser (``Variable.get`` at the top level of a DAG file) and ``DirectTryStore``.

Each call is its own short transaction. Without a database or cipher given, both come from the
configuration of ``$SLIPSTREAM_HOME`` and the environment, built on first use: loading a DAG file
that never touches a Variable costs nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported on first use: the DAG file loader installs this for every file
    from slipstream.store.db import Database
    from slipstream.store.encryption import Cipher


class StoreSecrets:
    """Implements ``slipstream.sdk.secrets.SecretsProvider`` on a database."""

    def __init__(self, db: Database | None = None, cipher: Cipher | None = None) -> None:
        self._db = db
        self._cipher = cipher

    @property
    def db(self) -> Database:
        if self._db is None:
            from slipstream.config import Settings
            from slipstream.store.db import Database

            self._db = Database(Settings.load().sql_alchemy_conn)
        return self._db

    @property
    def cipher(self) -> Cipher:
        if self._cipher is None:
            from slipstream.store.encryption import cipher_from_config

            self._cipher = cipher_from_config()
        return self._cipher

    def get_variable(self, *, key: str) -> str | None:
        from slipstream.store import variables

        with self.db.read() as session:
            return variables.get_value(session, key, self.cipher)

    def set_variable(self, *, key: str, value: str, description: str | None = None) -> None:
        from slipstream.store import variables

        cipher = self.cipher
        with self.db.write() as session:
            variables.set_value(session, key, value, cipher, description=description)

    def delete_variable(self, *, key: str) -> int:
        from slipstream.store import variables

        with self.db.write() as session:
            return variables.delete(session, key)

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None:
        from slipstream.store import connections

        with self.db.read() as session:
            found = connections.get(session, conn_id, self.cipher)
        return None if found is None else found.as_dict()
