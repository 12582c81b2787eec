"""The table of Airflow module paths Slipstream answers, written from the import hook's own map.

``python -m slipstream.dagfiles.airflow_imports --markdown > docs/airflow-imports.md``; a test
checks the committed page is up to date.
"""

from __future__ import annotations

import argparse
import sys

from slipstream.dagfiles.airflow_imports import ALIASES
from slipstream.dagfiles.real_providers import SURFACE_PACKAGES

INTRODUCTION = """\
# Airflow import paths

While a DAG file is parsed or a task runs, an import hook answers `import airflow...` from the
table below (`src/slipstream/dagfiles/airflow_imports.py`, `ALIASES`): each Airflow module is a
thin module whose names come from the Slipstream module beside it. A name the Slipstream module
lacks fails with an ImportError that says Slipstream does not provide it; a module not listed
fails with a ModuleNotFoundError that lists the supported modules next to it.

Names of Airflow features Slipstream deliberately does not offer (deadline alerts, asset
partitions, plugins, triggers...) import, so a file that imports more than
it uses loads; using one raises `UnsupportedFeatureError` naming the feature
(`src/slipstream/sdk/unsupported.py`).

## Real provider packages

A provider distribution installed without Airflow (`pip install --no-deps
apache-airflow-providers-<name>`, plus its own requirements) is loaded from where it is
installed, for every module of that provider, including the ones the table lists (so its
modules always see each other); the `airflow.*` names it imports still resolve to Slipstream.
These packages are Slipstream's surface and keep Slipstream's modules where the table has
them, the installed distribution serving only the other names: {surface}.

This page is generated: `python -m slipstream.dagfiles.airflow_imports --markdown > docs/airflow-imports.md`.
"""


def markdown() -> str:
    lines = [INTRODUCTION.format(surface=", ".join(f"`{p}`" for p in SURFACE_PACKAGES))]
    lines.append(f"## Supported modules ({len(ALIASES)})\n")
    lines.append("| Airflow module | Slipstream module |")
    lines.append("|---|---|")
    lines.extend(f"| `{name}` | `{ALIASES[name]}` |" for name in sorted(ALIASES))
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the table of supported paths as Markdown")
    arguments = parser.parse_args(argv)
    if not arguments.markdown:
        parser.error("say what to print: --markdown")
    sys.stdout.write(markdown())
