"""BaseBranchOperator, BranchMixIn and SkipMixin from airflow.sdk, run through the real
scheduler and task processes: a custom branch operator, a task group as a branch, and an
operator that skips with SkipMixin itself."""

from __future__ import annotations

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

BRANCH_BASES = """
from datetime import datetime
from airflow.sdk import DAG, BaseBranchOperator, BaseOperator, BranchMixIn, SkipMixin, TaskGroup
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import ShortCircuitOperator


class ByWeekday(BaseBranchOperator):
    def choose_branch(self, context):
        return "weekday_group" if context["logical_date"].weekday() < 5 else "weekend"


class SkipOdd(BaseOperator, SkipMixin):
    def execute(self, context):
        self.skip(context["ti"], [t for t in self.get_direct_relatives() if t.task_id.endswith("odd")])
        return "skipped odd"


class PickAll(BaseOperator, BranchMixIn):
    def execute(self, context):
        return self.do_branch(context, ["a", "b"])


class PickNone(BaseBranchOperator):
    def choose_branch(self, context):
        return None


with DAG("branch_bases", start_date=datetime(2024, 1, 1), schedule=None):
    branch = ByWeekday(task_id="branch")
    with TaskGroup("weekday_group") as group:
        EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
    branch >> [group, EmptyOperator(task_id="weekend")]

    SkipOdd(task_id="skip_odd") >> [EmptyOperator(task_id="is_even"), EmptyOperator(task_id="is_odd")]
    PickAll(task_id="pick_all") >> [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")]
    PickNone(task_id="pick_none") >> EmptyOperator(task_id="nothing")

    # A short circuit never skips a teardown below it (as_teardown() sets is_teardown).
    cleanup = EmptyOperator(task_id="cleanup", trigger_rule="all_done")
    cleanup.is_teardown = True
    ShortCircuitOperator(task_id="gate", python_callable=lambda: False) >> EmptyOperator(task_id="work") >> cleanup
"""


def test_branch_bases_from_airflow_sdk(settings, db, write_dag, parse):
    from datetime import UTC, datetime

    write_dag("branch_bases.py", BRANCH_BASES)
    parse()
    wednesday = datetime(2024, 1, 3, tzinfo=UTC)
    run = run_dag_to_end(settings, db, "branch_bases", logical_date=wednesday, timeout=60)
    with db.read() as session:
        states = {r.task_id: r.state for r in task_instances.for_run(session, "branch_bases", run.run_id)}
    assert run.state == "success"
    assert states == {
        "branch": "success", "weekday_group.first": "success", "weekday_group.second": "success", "weekend": "skipped",
        "skip_odd": "success", "is_even": "success", "is_odd": "skipped",
        "pick_all": "success", "a": "success", "b": "success",
        "pick_none": "success", "nothing": "skipped",
        "gate": "success", "work": "skipped", "cleanup": "success",
    }


def test_the_bases_are_what_the_operators_build_on():
    import slipstream.sdk as sdk
    from slipstream.operators.branching import BranchPythonOperator, ShortCircuitOperator
    from slipstream.operators.empty import EmptyOperator

    assert issubclass(BranchPythonOperator, sdk.BaseBranchOperator)
    assert issubclass(sdk.BaseBranchOperator, sdk.BranchMixIn) and issubclass(sdk.BranchMixIn, sdk.SkipMixin)
    assert issubclass(ShortCircuitOperator, sdk.SkipMixin)
    assert BranchPythonOperator(task_id="b", python_callable=lambda: None).inherits_from_skipmixin
    assert not EmptyOperator(task_id="e").inherits_from_skipmixin
