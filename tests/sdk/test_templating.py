"""Rendering template fields as Airflow does: the DAG's environment, template files, native
objects, user macros and filters, and errors that say where."""

from __future__ import annotations

from collections import namedtuple
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from slipstream.sdk import DAG, BaseOperator
from slipstream.sdk.templating import TemplateRenderError, literal, make_environment, render_value

WHEN = datetime(2024, 3, 9, 4, 5, 6, tzinfo=UTC)
CONTEXT = {"ds": "2024-03-09", "logical_date": WHEN, "params": {"n": 3}}


class ScriptOperator(BaseOperator):
    template_fields = ("script", "env", "args")
    template_ext = (".sh", ".sql")

    def __init__(self, *, script: Any = None, env: Any = None, args: Any = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.script, self.env, self.args = script, env, args


def dag_in(folder: Path, **kwargs: Any) -> DAG:
    return DAG("tpl", fileloc=str(folder / "tpl.py"), **kwargs)


def render(task: BaseOperator, context: dict[str, Any] | None = None) -> dict[str, Any]:
    return task.render_template_fields(context or CONTEXT)


def test_strings_lists_dicts_tuples_and_sets_are_rendered(tmp_path: Path) -> None:
    Pair = namedtuple("Pair", "a b")
    task = ScriptOperator(
        task_id="t", dag=dag_in(tmp_path), script="day {{ ds }}", env={"N": "{{ params.n * 2 }}", "K": 7},
        args=["{{ ds }}", ("x", "{{ params.n }}"), Pair("{{ ds }}", 1), {"{{ ds }}"}],
    )
    assert render(task) == {
        "script": "day 2024-03-09",
        "env": {"N": "6", "K": 7},
        "args": ["2024-03-09", ("x", "3"), Pair("2024-03-09", 1), {"2024-03-09"}],
    }
    assert task.script == "day 2024-03-09"


def test_a_value_ending_with_a_template_ext_is_a_file_next_to_the_dag_file(tmp_path: Path) -> None:
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "q.sql").write_text("SELECT * FROM t WHERE day = '{{ ds }}'\n")
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script="sql/q.sql")
    assert render(task)["script"] == "SELECT * FROM t WHERE day = '2024-03-09'"


def test_template_searchpath_is_searched_after_the_dag_folder(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "run.sh").write_text("echo shared {{ ds }}")
    (tmp_path / "both.sh").write_text("echo dag folder")
    (shared / "both.sh").write_text("echo shared folder")
    dag = dag_in(tmp_path, template_searchpath=str(shared))
    assert dag.template_searchpath == str(shared)
    assert render(ScriptOperator(task_id="a", dag=dag, script="run.sh"))["script"] == "echo shared 2024-03-09"
    assert render(ScriptOperator(task_id="b", dag=dag, script="both.sh"))["script"] == "echo dag folder"


def test_an_absolute_path_is_read_as_it_is(tmp_path: Path) -> None:
    script = tmp_path / "elsewhere" / "abs.sh"
    script.parent.mkdir()
    script.write_text("echo {{ ds_nodash }}")
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path / "dags"), script=str(script))
    assert render(task, {"ds_nodash": "20240309"})["script"] == "echo 20240309"


def test_a_missing_template_file_names_the_file_and_the_folders(tmp_path: Path) -> None:
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script="missing.sh")
    with pytest.raises(TemplateRenderError) as raised:
        render(task)
    assert str(raised.value) == (
        f"Template error in script of task 't' (missing.sh): template file 'missing.sh' not found in {tmp_path}"
    )


def test_user_defined_macros_and_filters(tmp_path: Path) -> None:
    dag = dag_in(
        tmp_path, user_defined_macros={"project": "acme", "double": lambda x: 2 * x},
        user_defined_filters={"shout": lambda s: s.upper() + "!"},
    )
    task = ScriptOperator(task_id="t", dag=dag, script="{{ project | shout }} {{ double(params.n) }}")
    assert render(task)["script"] == "ACME! 6"


def test_airflow_date_filters(tmp_path: Path) -> None:
    task = ScriptOperator(
        task_id="t", dag=dag_in(tmp_path),
        script="{{ logical_date | ds }} {{ logical_date | ds_nodash }} {{ logical_date | ts }} "
        "{{ logical_date | ts_nodash }} {{ logical_date | ts_nodash_with_tz }}",
    )
    assert render(task)["script"] == (
        "2024-03-09 20240309 2024-03-09T04:05:06+00:00 20240309T040506 20240309T040506+0000"
    )


def test_native_rendering_gives_python_objects(tmp_path: Path) -> None:
    dag = dag_in(tmp_path, render_template_as_native_obj=True)
    task = ScriptOperator(
        task_id="t", dag=dag, script="{{ [1, 2] }}", env={"n": "{{ params.n }}", "d": "{{ {'a': params.n} }}"},
        args=["{{ params.n + 1 }}", "text {{ ds }}"],
    )
    assert render(task) == {"script": [1, 2], "env": {"n": 3, "d": {"a": 3}}, "args": [4, "text 2024-03-09"]}


def test_without_native_rendering_the_same_templates_give_text(tmp_path: Path) -> None:
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script="{{ [1, 2] }}", args=["{{ params.n + 1 }}"])
    assert render(task) == {"script": "[1, 2]", "env": None, "args": ["4"]}


def test_jinja_environment_kwargs_are_applied(tmp_path: Path) -> None:
    dag = dag_in(tmp_path, jinja_environment_kwargs={"keep_trailing_newline": True})
    assert render(ScriptOperator(task_id="t", dag=dag, script="{{ ds }}\n"))["script"] == "2024-03-09\n"
    plain = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script="{{ ds }}\n")
    assert render(plain)["script"] == "2024-03-09", "Jinja's default drops one trailing newline, as in Airflow"


def test_literal_values_and_empty_values_are_not_rendered(tmp_path: Path) -> None:
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script=literal("{{ not rendered }}"), env={}, args="")
    assert render(task) == {"script": "{{ not rendered }}", "env": {}, "args": ""}


def test_objects_with_template_fields_of_their_own_are_rendered_in_place(tmp_path: Path) -> None:
    class Query:
        template_fields = ("text",)

        def __init__(self, text: str) -> None:
            self.text = text

    query = Query("day {{ ds }}")
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), args=[query, query])
    render(task)
    assert query.text == "day 2024-03-09"


def test_the_do_extension_is_on(tmp_path: Path) -> None:
    task = ScriptOperator(
        task_id="t", dag=dag_in(tmp_path), script="{% set xs = [] %}{% do xs.append(params.n) %}{{ xs }}"
    )
    assert render(task)["script"] == "[3]"


def test_an_undefined_variable_names_task_field_and_line(tmp_path: Path) -> None:
    task = ScriptOperator(task_id="x", dag=dag_in(tmp_path), script="echo {{ ds }}\necho {{ foo }}")
    with pytest.raises(TemplateRenderError) as raised:
        render(task)
    assert str(raised.value) == "Template error in script of task 'x' (line 2): 'foo' is undefined"
    assert (raised.value.task_id, raised.value.field, raised.value.line) == ("x", "script", 2)


def test_a_syntax_error_in_a_template_file_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.sql").write_text("SELECT 1;\n\n{% if %}\n")
    task = ScriptOperator(task_id="load", dag=dag_in(tmp_path), script="broken.sql")
    with pytest.raises(TemplateRenderError, match=r"^Template error in script of task 'load' \(broken.sql, line 3\): "):
        render(task)


def test_an_undefined_variable_in_a_template_file_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "run.sh").write_text("echo one\necho two\necho {{ params.missing }}\n")
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), script="run.sh")
    with pytest.raises(TemplateRenderError) as raised:
        render(task)
    assert str(raised.value) == (
        "Template error in script of task 't' (run.sh, line 3): 'dict object' has no attribute 'missing'"
    )


def test_an_error_inside_a_nested_value_names_where_it_is(tmp_path: Path) -> None:
    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path), env={"OK": "{{ ds }}", "BAD": "{{ nope }}"})
    with pytest.raises(TemplateRenderError, match=r"^Template error in env\['BAD'\] of task 't' \(line 1\)"):
        render(task)


def test_an_exception_in_a_macro_is_reported_with_its_type(tmp_path: Path) -> None:
    def fails() -> str:
        raise ValueError("bad input")

    task = ScriptOperator(task_id="t", dag=dag_in(tmp_path, user_defined_macros={"fails": fails}), script="{{ fails() }}")
    with pytest.raises(TemplateRenderError, match=r"\(line 1\): ValueError: bad input$"):
        render(task)


def test_a_template_field_the_operator_lacks_is_an_error(tmp_path: Path) -> None:
    class Broken(BaseOperator):
        template_fields = ("nothing_here",)

    with pytest.raises(AttributeError, match="'nothing_here' is in template_fields of Broken"):
        render(Broken(task_id="b", dag=dag_in(tmp_path)))


def test_render_value_without_a_task() -> None:
    env = make_environment()
    assert render_value({"a": ["{{ 1 + 1 }}"]}, {}, env) == {"a": ["2"]}
    assert render_value("plain text", {}, env) == "plain text"


def test_the_dag_environment_is_built_once(tmp_path: Path) -> None:
    dag = dag_in(tmp_path)
    assert dag.get_template_env() is dag.get_template_env()
    assert ScriptOperator(task_id="t", dag=dag).get_template_env() is dag.get_template_env()
