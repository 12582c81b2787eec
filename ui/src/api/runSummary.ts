/** A DAG run as the UI's own lists answer it (/ui/dags' newest runs, /ui/durations' runs). */
export interface RunSummary {
  run_id: string;
  run_type: string;
  state: string;
  logical_date: string | null;
  queued_at: string | null;
  start_date: string | null;
  end_date: string | null;
  duration: number | null;
}
