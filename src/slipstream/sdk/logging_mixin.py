"""LoggingMixin (``airflow.utils.log.logging_mixin``): a ``log`` property named after the class."""

from __future__ import annotations

import logging


class LoggingMixin:
    """Gives ``self.log``, a logger named ``module.Class``."""

    @property
    def log(self) -> logging.Logger:
        return logging.getLogger(f"{type(self).__module__}.{type(self).__name__}")
