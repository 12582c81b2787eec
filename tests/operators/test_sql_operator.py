"""SQLExecuteQueryOperator, SqliteOperator and PostgresOperator in DAG files run by the scheduler."""

from __future__ import annotations

import json
import sqlite3

import pytest

from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances, xcoms

SQLITE_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.sqlite.operators.sqlite import SqliteOperator
from airflow.providers.sqlite.hooks.sqlite import SqliteHook
from airflow.operators.python import PythonOperator

def total(ti):
    rows = ti.xcom_pull(task_ids="select_rows")
    assert SqliteHook(sqlite_conn_id="warehouse").get_first("SELECT count(*) FROM orders") == (3,)
    return sum(r[1] for r in rows)

with DAG("sql_sqlite", start_date=datetime(2024, 1, 1), schedule=None, params={"minimum": 2}) as dag:
    create = SqliteOperator(task_id="create", sqlite_conn_id="warehouse", sql="create.sql", split_statements=True)
    select = SQLExecuteQueryOperator(
        task_id="select_rows", conn_id="warehouse",
        sql="SELECT item, qty, price, day FROM orders WHERE qty >= ? ORDER BY qty",
        parameters=["{{ params.minimum }}"], show_return_value_in_logs=True,
    )
    several = SQLExecuteQueryOperator(
        task_id="several", conn_id="warehouse", sql=["SELECT count(*) FROM orders", "SELECT max(qty) FROM orders"],
    )
    silent = SQLExecuteQueryOperator(task_id="silent", conn_id="warehouse", sql="SELECT 1", do_xcom_push=False)
    create >> [select, several, silent]
    select >> PythonOperator(task_id="total", python_callable=total)
"""

CREATE_SQL = """
CREATE TABLE orders (item TEXT, qty INT, price REAL, day TEXT);
INSERT INTO orders VALUES ('apple', 3, 0.5, '{{ ds }}'), ('pear', 1, 0.75, '{{ ds }}');
INSERT INTO orders VALUES ('fig; dried', 7, 2.0, '{{ ds }}');
"""


def xcom(db, run, task_id):
    with db.read() as session:
        return xcoms.pull(session, dag_id=run.dag_id, run_id=run.run_id, task_id=task_id, key="return_value")


def states(db, run):
    with db.read() as session:
        return {r.task_id: r.state for r in task_instances.for_run(session, run.dag_id, run.run_id)}


def test_sqlite_operators_run_a_sql_file_and_push_rows(settings, db, write_dag, parse, tmp_path, monkeypatch):
    target = tmp_path / "warehouse.db"
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(target)}))
    write_dag("sql_sqlite.py", SQLITE_DAG)
    write_dag("create.sql", CREATE_SQL)
    parse()
    run = run_dag_to_end(settings, db, "sql_sqlite", executor=InlineExecutor(settings, db), timeout=60)
    assert states(db, run) == {"create": "success", "select_rows": "success", "several": "success",
                               "silent": "success", "total": "success"}
    assert run.state == "success"
    day = run.logical_date.strftime("%Y-%m-%d")
    assert xcom(db, run, "select_rows") == [["apple", 3, 0.5, day], ["fig; dried", 7, 2.0, day]]
    assert xcom(db, run, "several") == [[[3]], [[7]]]
    assert xcom(db, run, "silent") is None
    assert xcom(db, run, "total") == 10
    assert sqlite3.connect(target).execute("SELECT count(*) FROM orders").fetchone() == (3,)


def test_a_failing_statement_fails_the_task_with_the_database_error(settings, db, write_dag, parse, tmp_path,
                                                                   monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "w.db")}))
    write_dag("bad_sql.py", """
from datetime import datetime
from airflow import DAG
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG("bad_sql", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    SQLExecuteQueryOperator(task_id="bad", conn_id="warehouse", sql="SELECT * FROM missing_table")
    SQLExecuteQueryOperator(task_id="no_conn", conn_id="nowhere", sql="SELECT 1")
""")
    parse()
    run = run_dag_to_end(settings, db, "bad_sql", executor=InlineExecutor(settings, db), timeout=60)
    assert run.state == "failed"
    with db.read() as session:
        reasons = {r.task_id: r.state_reason for r in task_instances.for_run(session, "bad_sql", run.run_id)}
    assert reasons["bad"] == "OperationalError: no such table: missing_table"
    assert reasons["no_conn"] == "AirflowNotFoundException: The conn_id `nowhere` isn't defined"


POSTGRES_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.providers.postgres.operators.postgres import PostgresOperator
from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator

with DAG("sql_postgres", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    create = PostgresOperator(
        task_id="create", postgres_conn_id="pg", runtime_parameters={"statement_timeout": "5000"},
        sql=["CREATE TABLE events (id serial, name text, at timestamptz, amount numeric)",
             "INSERT INTO events (name, at, amount) VALUES ('a', '2024-01-01T00:00:00Z', 1.50), ('b', NULL, 2)"],
    )
    read = SQLExecuteQueryOperator(
        task_id="read", conn_id="pg", sql="SELECT name, at, amount FROM events WHERE name = %(name)s",
        parameters={"name": "{{ dag_run.conf.get('name', 'a') }}"},
    )
    timeout = PostgresOperator(task_id="timeout", postgres_conn_id="pg", runtime_parameters={"statement_timeout": "5000"},
                               sql="SHOW statement_timeout")
    create >> [read, timeout]
"""


@pytest.mark.postgres
def test_postgres_operators_against_the_server(settings, db, write_dag, parse, postgres_url, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_PG", postgres_url.replace("postgresql+psycopg://", "postgresql://"))
    write_dag("sql_postgres.py", POSTGRES_DAG)
    parse()
    run = run_dag_to_end(settings, db, "sql_postgres", executor=InlineExecutor(settings, db), timeout=60)
    assert states(db, run) == {"create": "success", "read": "success", "timeout": "success"}
    assert xcom(db, run, "read") == [["a", "2024-01-01T00:00:00+00:00", 1.5]]
    assert xcom(db, run, "timeout") == [["5s"]]
    assert xcom(db, run, "create") == [None, None]
