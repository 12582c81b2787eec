"""TaskFlow: @dag and @task build the same DAGs as operators, and run for real."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipstream.runner.context import DagRunInfo
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.sdk import DAG, TaskGroup, XComArg, dag, task
from slipstream.sdk.decorators import DecoratedPythonOperator
from slipstream.store import dag_runs, xcoms
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

LOGICAL = datetime(2024, 3, 5, tzinfo=UTC)


def run_info(dag_id: str, run_id: str = "manual__1", conf: dict[str, Any] | None = None, id: int = 1) -> DagRunInfo:
    return DagRunInfo(
        id=id, dag_id=dag_id, run_id=run_id, run_type="manual", logical_date=LOGICAL,
        data_interval_start=LOGICAL, data_interval_end=LOGICAL, conf=conf or {},
    )


def run(the_dag: DAG, task_id: str, db: Database | None = None, info: DagRunInfo | None = None) -> TryResult:
    return execute_task(
        the_dag, task_id, info or run_info(the_dag.dag_id), store=DirectTryStore(db) if db is not None else None,
        map_index=-1, try_number=1, max_tries=0,
    )


def test_dag_decorator_builds_a_dag_named_after_the_function() -> None:
    @dag(schedule=None, tags=["taskflow"])
    def my_pipeline() -> None:
        """Pipeline docs."""

        @task
        def hello() -> str:
            return "hi"

        hello()

    built = my_pipeline()
    assert isinstance(built, DAG)
    assert built.dag_id == "my_pipeline"
    assert built.task_ids == ["hello"]
    assert built.tags == ["taskflow"]
    assert built.doc_md == "Pipeline docs."
    assert built.fileloc == __file__


def test_dag_decorator_with_explicit_id_and_bare_form() -> None:
    @dag("explicit_id")
    def ignored_name() -> None:
        pass

    @dag
    def bare() -> None:
        pass

    assert ignored_name().dag_id == "explicit_id"
    assert bare().dag_id == "bare"


def test_dag_function_parameters_become_params() -> None:
    @dag(params={"extra": 1})
    def with_params(size: int = 3, label: str = "x") -> None:
        pass

    built = with_params(label="y")
    assert dict(built.params) == {"size": 3, "label": "y", "extra": 1}


def test_calling_a_task_returns_an_xcom_arg_and_passing_it_creates_the_dependency() -> None:
    with DAG("flow") as the_dag:

        @task
        def extract() -> list[int]:
            return [1, 2, 3]

        @task
        def total(values: list[int]) -> int:
            return sum(values)

        data = extract()
        result = total(data)

    assert isinstance(data, XComArg) and isinstance(result, XComArg)
    assert data.operator.task_id == "extract"
    assert isinstance(data.operator, DecoratedPythonOperator)
    assert data.operator.operator_name == "@task"
    assert the_dag.get_task("total").upstream_task_ids == {"extract"}
    assert the_dag.get_task("extract").downstream_task_ids == {"total"}


def test_xcom_arg_nested_in_containers_creates_the_dependency() -> None:
    with DAG("nested_args") as the_dag:

        @task
        def one() -> int:
            return 1

        @task
        def use(payload: dict[str, Any]) -> None:
            pass

        use({"items": [one()]})
    assert the_dag.get_task("use").upstream_task_ids == {"one"}


def test_outputs_can_be_chained_with_rshift() -> None:
    with DAG("flow_shift") as the_dag:

        @task
        def first() -> None:
            pass

        @task
        def second() -> None:
            pass

        first() >> second()
    assert the_dag.get_task("second").upstream_task_ids == {"first"}


def test_duplicate_task_names_get_a_suffix() -> None:
    with DAG("dupes") as the_dag:

        @task
        def step() -> None:
            pass

        step()
        step()
        step()
    assert the_dag.task_ids == ["step", "step__1", "step__2"]


def test_duplicate_task_names_in_a_group_get_a_suffix() -> None:
    with DAG("group_dupes") as the_dag:

        @task
        def step() -> None:
            pass

        with TaskGroup("g"):
            step()
            step()
    assert the_dag.task_ids == ["g.step", "g.step__1"]


def test_task_arguments_and_override() -> None:
    with DAG("options") as the_dag:

        @task(retries=4, task_id="renamed", task_display_name="Nice")
        def original() -> None:
            pass

        original()
        original.override(task_id="other", retries=1)()
    renamed = the_dag.get_task("renamed")
    assert (renamed.retries, renamed.task_display_name) == (4, "Nice")
    assert the_dag.get_task("other").retries == 1


def test_task_docstring_becomes_doc_md() -> None:
    with DAG("docs") as the_dag:

        @task
        def documented() -> None:
            """Does a thing.

            In detail.
            """

        documented()
    assert the_dag.get_task("documented").doc_md == "Does a thing.\n\nIn detail."


def test_wrong_call_arguments_are_a_type_error_naming_the_task() -> None:
    with DAG("bad_call"):

        @task
        def needs_one(x: int) -> int:
            return x

        with pytest.raises(TypeError, match="'needs_one'.*unexpected keyword argument 'y'"):
            needs_one(1, y=2)


def test_task_python_variant_and_decorating_non_functions() -> None:
    with DAG("python_variant") as the_dag:

        @task.python
        def plain() -> None:
            pass

        plain()
    assert the_dag.task_ids == ["plain"]
    with pytest.raises(TypeError, match="must decorate a function"):
        task(42)  # type: ignore[arg-type]


def test_task_docker_is_not_supported_yet() -> None:
    with pytest.raises(AttributeError, match=r"@task\.docker is not supported by this version of Slipstream yet"):
        task.docker(image="python:3.12")


def test_unknown_task_variant_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no variant 'teleport'"):
        task.teleport  # noqa: B018


def test_multiple_outputs_is_inferred_from_a_dict_return_annotation() -> None:
    with DAG("infer") as the_dag:

        @task
        def as_dict() -> dict[str, int]:
            return {"a": 1}

        @task
        def as_list() -> list[int]:
            return [1]

        as_dict()
        as_list()
    assert the_dag.get_task("as_dict").multiple_outputs is True
    assert the_dag.get_task("as_list").multiple_outputs is False


def test_multiple_outputs_pushes_each_key() -> None:
    with DAG("multi") as the_dag:

        @task(multiple_outputs=True)
        def split() -> Any:
            return {"left": 1, "right": [2, 3]}

        split()
    result = run(the_dag, "split")
    assert result.state == "success"
    assert dict(result.xcoms) == {"return_value": {"left": 1, "right": [2, 3]}, "left": 1, "right": [2, 3]}


def test_multiple_outputs_with_a_non_dict_fails_the_task() -> None:
    with DAG("multi_bad") as the_dag:

        @task(multiple_outputs=True)
        def not_a_dict() -> Any:
            return [1, 2]

        not_a_dict()
    result = run(the_dag, "not_a_dict")
    assert result.state == "failed"
    assert "must return a dict" in (result.error or "")


def test_task_function_gets_context_by_parameter_name() -> None:
    with DAG("ctx", params={"mode": "daily"}) as the_dag:

        @task
        def dates(start: str, params: dict[str, Any] | None = None, ds: str | None = None) -> list[str]:
            return [start, params["mode"], ds]

        dates("{{ ds_nodash }}")
    result = run(the_dag, "dates", info=run_info("ctx", conf={"mode": "custom"}))
    assert result.state == "success", result.error
    assert dict(result.xcoms)["return_value"] == ["20240305", "custom", "2024-03-05"]


def test_value_passes_from_one_task_to_the_next_through_the_store(db: Database) -> None:
    with DAG("passing") as the_dag:

        @task
        def produce() -> dict[str, Any]:
            return {"rows": [1, 2, 3]}

        @task
        def consume(data: dict[str, Any], factor: int) -> int:
            return sum(data["rows"]) * factor

        consume(produce(), factor=10)

    with db.write() as session:
        row = dag_runs.create(session, dag_id="passing", run_id="manual__p", run_type="manual", tasks=[], now=utcnow())
        run_id = row.id
    info = run_info("passing", run_id="manual__p", id=run_id)
    first = run(the_dag, "produce", db=db, info=info)
    assert first.state == "success"
    with db.write() as session:
        for key, value in first.xcoms:
            xcoms.push(
                session, dag_run_id=run_id, dag_id="passing", run_id="manual__p", task_id="produce",
                map_index=-1, key=key, value=value, now=utcnow(),
            )
    second = run(the_dag, "consume", db=db, info=info)
    assert second.state == "success", second.error
    assert dict(second.xcoms)["return_value"] == 60


# -- @task.virtualenv, @task.external_python, @task.bash, get_current_context ---------------------


def test_task_virtualenv_builds_a_virtualenv_operator_with_its_options() -> None:
    from slipstream.dagfiles.serialization import serialize_dag
    from slipstream.operators.python_virtualenv import PythonVirtualenvOperator

    with DAG("venv_variant") as the_dag:

        @task.virtualenv(
            task_display_name="🔥 Process Partitions",
            requirements=["duckdb>=0.9.0"],
            python_version="3.12",
            map_index_template='{{ "Partition: " ~ task.op_kwargs["date_str"] }}',
        )
        def process_partition(date_str: str, events_per_partition: int) -> None:
            pass

        process_partition("2024-01-01", events_per_partition="{{ params.events }}")
    operator = the_dag.get_task("process_partition")
    assert isinstance(operator, PythonVirtualenvOperator)
    assert operator.operator_name == "@task.virtualenv"
    assert (operator.requirements, operator.python_version) == (["duckdb>=0.9.0"], "3.12")
    assert operator.op_args == ["2024-01-01"]
    assert operator.op_kwargs == {"events_per_partition": "{{ params.events }}"}
    assert operator.map_index_template == '{{ "Partition: " ~ task.op_kwargs["date_str"] }}'
    serialized = serialize_dag(the_dag)["tasks"]
    assert [t["task_display_name"] for t in serialized] == ["🔥 Process Partitions"]


def test_task_virtualenv_runs_the_function_without_its_decorator(home) -> None:
    with DAG("venv_run") as the_dag:

        @task.virtualenv(system_site_packages=False)
        def add(a: int, b: int, ds: str) -> str:
            import sys

            return f"{a + b} on {ds} with {sys.prefix}"

        add(1, b=2)
    result = run(the_dag, "add")
    assert result.state == "success", result.error
    value = dict(result.xcoms)["return_value"]
    assert value.startswith("3 on 2024-03-05 with ") and "/venvs/venv-" in value


def test_task_external_python_and_the_branch_variants_build_their_operators() -> None:
    import sys

    from slipstream.operators.python_virtualenv import (
        BranchExternalPythonOperator,
        BranchPythonVirtualenvOperator,
        ExternalPythonOperator,
    )

    with DAG("variants") as the_dag:

        @task.external_python(python=sys.executable)
        def outside() -> int:
            return 1

        @task.branch_virtualenv
        def choose_in_venv() -> str:
            return "outside"

        @task.branch_external_python(python=sys.executable)
        def choose_outside() -> str:
            return "outside"

        outside()
        choose_in_venv()
        choose_outside()
    kinds = {t.task_id: (type(t), t.operator_name) for t in the_dag.tasks}
    assert issubclass(kinds["outside"][0], ExternalPythonOperator)
    assert issubclass(kinds["choose_in_venv"][0], BranchPythonVirtualenvOperator)
    assert issubclass(kinds["choose_outside"][0], BranchExternalPythonOperator)
    assert [name for _, name in kinds.values()] == [
        "@task.external_python", "@task.branch_virtualenv", "@task.branch_external_python",
    ]
    result = run(the_dag, "outside")
    assert result.xcoms == (("return_value", 1),)


def test_task_bash_runs_the_rendered_command_the_function_returns(capsys: pytest.CaptureFixture) -> None:
    with DAG("bash_variant", params={"who": "ana"}) as the_dag:

        @task.bash(env={"GREETING": "hello"}, task_display_name="Greet")
        def greet(name: str, run_id: str) -> str:
            return f'echo "$GREETING {name} on {{{{ ds }}}} in {run_id}"'

        greet("{{ params.who }}")
    operator = the_dag.get_task("greet")
    assert (operator.operator_name, operator.task_display_name) == ("@task.bash", "Greet")
    result = run(the_dag, "greet")
    assert result.state == "success", result.error
    assert result.xcoms == (("return_value", "hello ana on 2024-03-05 in manual__1"),)
    assert "hello ana on 2024-03-05" in capsys.readouterr().out


def test_task_bash_refuses_an_empty_command() -> None:
    with DAG("bash_empty") as the_dag:

        @task.bash
        def nothing() -> str:
            return "  "

        nothing()
    result = run(the_dag, "nothing")
    assert result.state == "failed"
    assert "must return the bash command as a non-empty string" in (result.error or "")


def test_get_current_context_works_inside_a_task() -> None:
    from slipstream.sdk import get_current_context

    with DAG("context_inside") as the_dag:

        @task
        def peek() -> str:
            context = get_current_context()
            return f"{context['ds']} {context['ti'].task_id}"

        peek()
    assert run(the_dag, "peek").xcoms == (("return_value", "2024-03-05 peek"),)
    with pytest.raises(RuntimeError, match="outside a running task"):
        get_current_context()


def test_a_callables_parameters_are_worked_out_once_and_unhashable_ones_still_work() -> None:
    from slipstream.sdk.context import call_python, parameters_of

    def add(a, b, ds=None):
        return f"{a + b} on {ds}"

    assert parameters_of(add) is parameters_of(add), "looked up, not worked out again"
    assert [p.name for p in parameters_of(add)] == ["a", "b", "ds"]

    class Unhashable:
        __hash__ = None  # type: ignore[assignment]

        def method(self, x, ds=None):
            return f"{x} {ds}"

    bound = Unhashable().method
    assert [p.name for p in parameters_of(bound)] == ["x", "ds"]
    assert call_python(bound, [1], {}, None, {"ds": "2024-01-01"}) == "1 2024-01-01"
    assert call_python(add, [1, 2], {}, None, {"ds": "2024-01-01", "ti": None}) == "3 on 2024-01-01"


def test_task_bash_with_an_output_processor_and_multiple_outputs() -> None:
    import json

    with DAG("bash_json") as the_dag:

        @task.bash(multiple_outputs=True, output_processor=json.loads)
        def describe() -> str:
            return """echo '{"files": 2, "folder": "dags"}'"""

        describe()
    result = run(the_dag, "describe")
    assert result.state == "success", result.error
    assert dict(result.xcoms) == {"return_value": {"files": 2, "folder": "dags"}, "files": 2, "folder": "dags"}
