"""
### Parallel notifications

A report is generated, then four notifications go out at the same time: email, Slack, Teams
and a dashboard update. A list on the right of `>>` fans out: every task in it depends on
`generate_report` and none depends on another, so they all start together and the run takes
about 3 s + 3 s, not 3 s + 2 s + 1 s + 1 s + 3 s.
"""

from datetime import datetime, timedelta

from slipstream import DAG, BashOperator

default_args = {
    "owner": "data-team",
    "retries": 1,
    "retry_delay": timedelta(minutes=1),
}

with DAG(
    dag_id="example_parallel_notifications",
    description="Send notifications to multiple channels in parallel",
    default_args=default_args,
    start_date=datetime(2024, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "parallel", "notifications"],
    doc_md=__doc__,
) as dag:
    generate_report = BashOperator(
        task_id="generate_report",
        bash_command='echo "Generating daily report..."; sleep 3; echo "Report complete!"',
    )

    email_notification = BashOperator(
        task_id="send_email",
        bash_command='echo "Sending email notification..."; sleep 2; echo "Email sent!"',
    )
    slack_notification = BashOperator(
        task_id="send_slack_message",
        bash_command='echo "Posting to Slack..."; sleep 1; echo "Slack message posted!"',
    )
    teams_notification = BashOperator(
        task_id="send_teams_message",
        bash_command='echo "Posting to Teams..."; sleep 1; echo "Teams message posted!"',
    )
    update_dashboard = BashOperator(
        task_id="update_dashboard",
        bash_command='echo "Updating dashboard..."; sleep 3; echo "Dashboard updated!"',
    )

    # Once the report exists, all four notifications go out in parallel.
    generate_report >> [email_notification, slack_notification, teams_notification, update_dashboard]
