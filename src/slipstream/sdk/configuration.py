"""``conf`` (``from airflow.sdk import conf``): Slipstream's settings read as Airflow reads its own.

``conf.get("core", "dags_folder")``, ``conf.getboolean``, ``getint``, ``getfloat``, ``getjson``,
``getlist``, ``has_option``. Values come from the same place as Slipstream's settings (the
defaults, ``slipstream.toml``, ``AIRFLOW__SECTION__KEY`` / ``SLIPSTREAM__SECTION__KEY``). An option
Slipstream does not have is read from those environment variables alone, so a provider's own
options (``AIRFLOW__HTTP__...``) can still be set; without them, ``fallback`` is returned or the
error names the option. A sensitive option read here (``[core] fernet_key``, ``[database]
sql_alchemy_conn``...) is masked in what the process writes from then on.
"""

from __future__ import annotations

import json
import os
from typing import Any

from slipstream.config import OPTIONS, Config, ConfigError
from slipstream.config.settings import SENSITIVE_OPTIONS
from slipstream.sdk.exceptions import AirflowConfigException
from slipstream.sdk.secrets_masker import mask_secret

_MISSING: Any = object()
_TRUE, _FALSE = ("t", "true", "1", "yes", "on"), ("f", "false", "0", "no", "off")


def _to_bool(value: str) -> bool:
    if value.strip().lower() in _TRUE:
        return True
    if value.strip().lower() in _FALSE:
        return False
    raise ValueError(value)


class SlipstreamConf:
    """Airflow's configuration reader, over Slipstream's configuration. Each call reads it afresh
    (the file and the environment), so it always agrees with what the process would load."""

    def _loaded(self) -> Config:
        return Config.load()

    @property
    def home(self) -> Any:
        """The installation's home folder (``$SLIPSTREAM_HOME``, else ``$AIRFLOW_HOME``)."""
        return self._loaded().home

    def _raw(self, section: str, key: str) -> Any:
        section, key = section.lower(), key.lower()
        if key in OPTIONS.get(section, {}):
            try:
                value = self._loaded().get(section, key)
            except ConfigError as err:
                raise AirflowConfigException(str(err)) from None
            if (section, key) in SENSITIVE_OPTIONS and isinstance(value, str):
                mask_secret(value)  # as Airflow masks its sensitive options in task logs
            return value
        for prefix in ("SLIPSTREAM", "AIRFLOW"):
            name = f"{prefix}__{section.upper()}__{key.upper()}"
            if name in os.environ:
                return os.environ[name]
        return None

    def has_option(self, section: str, key: str) -> bool:
        return self._raw(section, key) is not None

    def get(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        value = self._raw(section, key)
        if value is None:
            if fallback is not _MISSING:
                return fallback
            raise AirflowConfigException(
                f"section/key [{section}/{key}] not found in config: Slipstream has no such setting; set "
                f"AIRFLOW__{section.upper()}__{key.upper()} in the environment or pass fallback="
            )
        return value if isinstance(value, str) else str(value)

    def _typed(self, section: str, key: str, fallback: Any, convert: Any, kind: str) -> Any:
        value = self.get(section, key, fallback=_MISSING if fallback is _MISSING else None)
        if value is None:
            return fallback
        try:
            return convert(value)
        except (TypeError, ValueError):
            raise AirflowConfigException(
                f"Failed to convert value to {kind}. Please check \"{key}\" key in \"{section}\" section. "
                f"Current value: \"{value}\"."
            ) from None

    def getboolean(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> bool:
        return self._typed(section, key, fallback, _to_bool, "bool")

    def getint(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> int:
        return self._typed(section, key, fallback, int, "int")

    def getfloat(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> float:
        return self._typed(section, key, fallback, float, "float")

    def getjson(self, section: str, key: str, fallback: Any = _MISSING, **kwargs: Any) -> Any:
        value = self.get(section, key, fallback=None)
        if value is None or value == "":
            return None if fallback is _MISSING else fallback
        return self._typed(section, key, fallback, json.loads, "JSON")

    def getlist(self, section: str, key: str, delimiter: str = ",", fallback: Any = _MISSING, **kwargs: Any) -> list[str]:
        value = self.get(section, key, fallback=None)
        if value is None:
            if fallback is _MISSING:
                raise AirflowConfigException(f"section/key [{section}/{key}] not found in config")
            return fallback
        return [item.strip() for item in value.split(delimiter) if item.strip()]

    def getsection(self, section: str) -> dict[str, Any] | None:
        """The options of ``section`` Slipstream knows, with their values; None for an unknown section."""
        if section.lower() not in OPTIONS:
            return None
        return dict(self._loaded().values[section.lower()])


conf = SlipstreamConf()
