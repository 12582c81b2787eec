"""The Airflow import hook: Airflow names map to Slipstream only while it is active."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import slipstream.operators.bash
import slipstream.operators.empty
import slipstream.operators.python
import slipstream.sdk
from slipstream.dagfiles.airflow_imports import ALIASES, AirflowImportFinder, airflow_imports
from slipstream.dagfiles.airflow_imports_doc import markdown


def airflow_modules() -> list[str]:
    return [name for name in sys.modules if name == "airflow" or name.startswith("airflow.")]


@pytest.fixture(autouse=True)
def no_real_airflow() -> None:
    assert importlib.util.find_spec("airflow") is None, "these tests expect Apache Airflow not to be installed"
    assert airflow_modules() == []


def test_airflow2_and_airflow3_names_resolve_to_slipstream() -> None:
    with airflow_imports():
        from airflow import DAG
        from airflow.decorators import dag, task
        from airflow.exceptions import AirflowSkipException
        from airflow.models.baseoperator import chain, cross_downstream
        from airflow.models.param import Param
        from airflow.operators.bash import BashOperator
        from airflow.operators.dummy import DummyOperator
        from airflow.operators.empty import EmptyOperator
        from airflow.operators.python import PythonOperator
        from airflow.providers.standard.operators.bash import BashOperator as StandardBash
        from airflow.providers.standard.operators.python import PythonOperator as StandardPython
        from airflow.sdk import DAG as SdkDAG
        from airflow.sdk import TaskGroup as SdkTaskGroup
        from airflow.utils.dates import days_ago
        from airflow.utils.task_group import TaskGroup
        from airflow.utils.trigger_rule import TriggerRule

    assert DAG is SdkDAG is slipstream.sdk.DAG
    assert dag is slipstream.sdk.dag and task is slipstream.sdk.task
    assert AirflowSkipException is slipstream.sdk.AirflowSkipException
    assert chain is slipstream.sdk.chain and cross_downstream is slipstream.sdk.cross_downstream
    assert Param is slipstream.sdk.Param
    assert BashOperator is StandardBash is slipstream.operators.bash.BashOperator
    assert DummyOperator is EmptyOperator is slipstream.operators.empty.EmptyOperator
    assert PythonOperator is StandardPython is slipstream.operators.python.PythonOperator
    assert TaskGroup is SdkTaskGroup is slipstream.sdk.TaskGroup
    assert TriggerRule is slipstream.sdk.TriggerRule
    assert callable(days_ago)


def test_old_operator_module_names() -> None:
    with airflow_imports():
        from airflow.operators.bash_operator import BashOperator
        from airflow.operators.dummy_operator import DummyOperator
        from airflow.operators.python_operator import PythonOperator
    assert BashOperator is slipstream.operators.bash.BashOperator
    assert DummyOperator is slipstream.operators.empty.EmptyOperator
    assert PythonOperator is slipstream.operators.python.PythonOperator


def test_import_statement_and_attribute_access() -> None:
    with airflow_imports():
        import airflow
        import airflow.operators.bash

        assert airflow.DAG is slipstream.sdk.DAG
        assert airflow.operators.bash.BashOperator is slipstream.operators.bash.BashOperator


def test_from_package_import_submodule() -> None:
    with airflow_imports():
        from airflow.operators import dummy
        from airflow.providers.standard.operators import empty

        assert dummy.DummyOperator is slipstream.operators.empty.EmptyOperator
        assert empty.EmptyOperator is slipstream.operators.empty.EmptyOperator


def test_unknown_airflow_module_says_slipstream_does_not_provide_it() -> None:
    with airflow_imports():
        # Python imports the parent package first, so the first unknown part is named
        with pytest.raises(ModuleNotFoundError, match="'airflow.contrib'.*Slipstream does not provide") as info:
            import airflow.contrib.foo  # noqa: F401
        assert info.value.name == "airflow.contrib"
        assert "airflow.operators" in str(info.value)  # the supported modules beside it are listed
        assert "docs/airflow-imports.md" in str(info.value)
        with pytest.raises(ModuleNotFoundError, match="'airflow.operators.foo'.*Slipstream does not provide") as info:
            import airflow.operators.foo  # noqa: F401
        assert "airflow.operators.bash" in str(info.value)
        with pytest.raises(ModuleNotFoundError, match="pip install --no-deps apache-airflow-providers-<name>"):
            import airflow.providers.amazon.aws.hooks.s3  # noqa: F401
        with pytest.raises(ModuleNotFoundError, match="'airflow.contrib'.*Slipstream does not provide"):
            from airflow.contrib.foo import Something  # noqa: F401


def test_unknown_name_in_a_known_module_says_what_is_missing() -> None:
    with airflow_imports():
        with pytest.raises(ImportError, match="Slipstream does not provide airflow.operators.bash.FancyOperator"):
            from airflow.operators.bash import FancyOperator  # noqa: F401


def test_after_the_block_airflow_is_gone_again() -> None:
    with airflow_imports():
        import airflow  # noqa: F401
        from airflow.operators.bash import BashOperator  # noqa: F401

        assert "airflow" in sys.modules
    assert airflow_modules() == []
    assert not any(isinstance(f, AirflowImportFinder) for f in sys.meta_path)
    with pytest.raises(ModuleNotFoundError):
        import airflow  # noqa: F401, F811
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("airflow.operators.bash")


def test_hook_is_removed_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError):
        with airflow_imports():
            import airflow  # noqa: F401

            raise RuntimeError("boom")
    assert airflow_modules() == []
    with pytest.raises(ModuleNotFoundError):
        import airflow  # noqa: F401, F811


def test_nested_blocks_keep_the_hook_until_the_outer_one_ends() -> None:
    with airflow_imports():
        with airflow_imports():
            import airflow  # noqa: F401
        from airflow import DAG

        assert DAG is slipstream.sdk.DAG
        assert sum(isinstance(f, AirflowImportFinder) for f in sys.meta_path) == 1
    assert airflow_modules() == []


def test_other_modules_are_not_touched() -> None:
    finder = AirflowImportFinder()
    assert finder.find_spec("json") is None
    assert finder.find_spec("airflowish") is None


def test_every_alias_target_exists() -> None:
    for name, target in ALIASES.items():
        assert importlib.import_module(target), name
    with airflow_imports():
        for name in ALIASES:
            module = importlib.import_module(name)
            assert module.__name__ == name


def test_the_docs_table_is_generated_from_the_map() -> None:
    """docs/airflow-imports.md is what the generator writes now; rerun it after changing ALIASES:
    python -m slipstream.dagfiles.airflow_imports --markdown > docs/airflow-imports.md"""
    committed = (Path(__file__).resolve().parents[2] / "docs" / "airflow-imports.md").read_text()
    assert committed == markdown(), "docs/airflow-imports.md is out of date: regenerate it (see this test's docstring)"
    for name, target in ALIASES.items():
        assert f"| `{name}` | `{target}` |" in committed


def test_the_generator_runs_as_a_module() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "slipstream.dagfiles.airflow_imports", "--markdown"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == markdown()


def test_version_attributes() -> None:
    with airflow_imports():
        import airflow
        import airflow.operators.bash
        import airflow.sdk

        assert airflow.__version__ == "3.3.2" and airflow.sdk.__version__ == "1.3.2"
        assert not hasattr(airflow.operators.bash, "__version__")
