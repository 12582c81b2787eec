"""LatestOnlyOperator: let the tasks below run only in the run of the latest schedule interval."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator


class LatestOnlyOperator(BaseOperator):
    """In a scheduled run whose interval is not the latest one (a catch-up or backfill run), the
    tasks directly below are skipped; manual runs always go on, as in Airflow."""

    ui_color = "#e9ffdb"

    def execute(self, context: Mapping[str, Any]) -> None:
        from datetime import UTC, datetime

        from slipstream.timetables.schedule import parse_schedule
        from slipstream.timetables.timetable import DataInterval, make_timetable
        from slipstream.timetables.timezones import dag_timezone

        dag_run, dag = context["dag_run"], context["dag"]
        if dag_run.run_type == "manual":
            self.log.info("Manually triggered run: the tasks below go on")
            return
        timetable = make_timetable(parse_schedule(dag.schedule, dag.dag_id), dag_timezone(dag.start_date, "UTC"))
        this = DataInterval(dag_run.data_interval_start, dag_run.data_interval_end)
        now = datetime.now(UTC)
        following = timetable.next_dagrun_info(this, earliest=this.end, latest=None, catchup=True, now=now)
        if following is None:
            self.log.info("No interval after this one: the tasks below go on")
            return
        # From this run's start to the next run's end, as Airflow 3 compares (a trigger
        # timetable's runs have no length, so the next run's interval alone would never hold now).
        left, right = this.start, following.data_interval_end
        if left < now <= right:
            self.log.info("This is the latest interval (%s to %s): the tasks below go on", left, right)
            return
        self.log.info("Not the latest interval (now %s is not in %s to %s): skipping the tasks below", now, left, right)
        context["ti"].skip(sorted(self.downstream_task_ids))
