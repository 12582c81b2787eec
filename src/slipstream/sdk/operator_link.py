"""BaseOperatorLink: an extra link an operator class declares (``operator_extra_links``).

Slipstream has no web UI yet, so links are not shown; the class is here so operators that
declare links (many providers' do) load and run, and ``get_link`` can be called directly."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar


class BaseOperatorLink(ABC):
    """A named link to an external page about a task instance; subclasses give ``name`` and ``get_link``."""

    operators: ClassVar[list[type]] = []

    @property
    @abstractmethod
    def name(self) -> str:
        """The link's name, as a UI would show it."""

    @property
    def xcom_key(self) -> str:
        """The XCom key under which a task may push its link."""
        return f"_link_{type(self).__name__}"

    @abstractmethod
    def get_link(self, operator: Any, *, ti_key: Any) -> str:
        """The address for ``operator``'s task instance ``ti_key``."""
