"""Fernet encryption of secrets at rest (variable values, connection passwords and extras).

The key is ``[core] fernet_key`` (``SLIPSTREAM__CORE__FERNET_KEY`` / ``AIRFLOW__CORE__FERNET_KEY``).
Several keys separated by commas rotate: the first encrypts, any of them decrypts (Airflow's
``MultiFernet``). When the setting is empty, the key is read from ``$SLIPSTREAM_HOME/fernet.key``,
which is generated (mode 0600) the first time a secret is written or read, so every process of
the installation uses the same key. Installations on several machines must set the option.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

KEY_FILE_NAME = "fernet.key"
SETTING = "[core] fernet_key (SLIPSTREAM__CORE__FERNET_KEY)"


class FernetKeyError(ValueError):
    """The key is malformed, or it is not the key the store was encrypted with."""


class Cipher:
    """Encrypts and decrypts text with the installation's key(s)."""

    def __init__(self, keys: list[str], source: str) -> None:
        from cryptography.fernet import Fernet, MultiFernet

        self.source = source
        try:
            self._fernet: Any = MultiFernet([Fernet(k.strip().encode()) for k in keys if k.strip()])
        except (ValueError, TypeError) as err:
            raise FernetKeyError(
                f"The Fernet key from {source} is not valid: {str(err).rstrip('.')}. Generate one with "
                'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
            ) from None

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str, what: str) -> str:
        """``what`` names the secret in the error ("variable 'x'", "connection 'y' password")."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise FernetKeyError(
                f"Cannot decrypt {what} with the key from {self.source}: it was encrypted with another key. "
                f"Set {SETTING} to the key the store was written with (while rotating, give both, new first, "
                "separated by a comma)."
            ) from None

    def rotate(self, token: str, what: str) -> str:
        """``token`` decrypted with whichever key can, encrypted again with the first one."""
        from cryptography.fernet import InvalidToken

        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise FernetKeyError(
                f"Cannot decrypt {what} with any key from {self.source}: it was encrypted with another key. "
                f"To rotate, set {SETTING} to the new key followed by the key the store was written with "
                "(new,old), run rotate-fernet-key, then drop the old key."
            ) from None


def _read_or_create_key_file(path: Path) -> str:
    """The key in ``path``; created atomically (0600) if missing, so concurrent first starts agree."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    from cryptography.fernet import Fernet

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=path.parent, prefix=".fernet-")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, Fernet.generate_key() + b"\n")
        os.fsync(fd)
        os.close(fd)
        try:
            os.link(scratch, path)  # fails if another process created it first: theirs wins
        except FileExistsError:
            pass
    finally:
        os.unlink(scratch)
    return path.read_text().strip()


_ciphers: dict[tuple[str, str], Cipher] = {}


def cipher_for(home: Path, configured_key: str) -> Cipher:
    """The cipher of an installation: the configured key(s), or the key file in ``home``."""
    cache_key = (str(home), configured_key)
    if cache_key not in _ciphers:
        if configured_key.strip():
            cipher = Cipher(configured_key.split(","), SETTING)
        else:
            path = Path(home) / KEY_FILE_NAME
            cipher = Cipher([_read_or_create_key_file(path)], f"{path} (generated because {SETTING} is empty)")
        _ciphers[cache_key] = cipher
    return _ciphers[cache_key]


def cipher_from_config(home: Path | None = None) -> Cipher:
    """The cipher for the configuration of ``home`` (default: ``$SLIPSTREAM_HOME``) and the environment."""
    from slipstream.config import Config

    config = Config.load(home)
    return cipher_for(config.home, config.get("core", "fernet_key"))
