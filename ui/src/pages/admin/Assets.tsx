import { useState } from "react";
import { Link } from "react-router";
import { useAssetEvents, useAssets } from "../../api/admin";
import { dagLink } from "../../api/links";
import { ErrorBox, Loading } from "../../components/Feedback";
import { formatDate } from "../../components/format";
import { StateSquare } from "../../components/StateBadge";
import { Listing } from "./AdminList";

/** Assets (what DAGs produce and consume) and their events; explains them when there are none. */
export default function Assets() {
  const [offset, setOffset] = useState(0);
  const [eventOffset, setEventOffset] = useState(0);
  const assets = useAssets(offset);
  const events = useAssetEvents(eventOffset);
  if (assets.isPending) return <Loading what="assets" />;
  if (assets.isError) return <ErrorBox error={assets.error} />;
  return (
    <div className="admin-page" data-testid="assets-page">
      <header className="page-header">
        <h1>Assets</h1>
      </header>
      {assets.data.total === 0 ? (
        <div className="empty-state" data-testid="assets-empty">
          <h2>No assets yet</h2>
          <p>
            An asset is data a task produces and other DAGs wait for. It appears here once a DAG file declares one, as a
            task's <code>outlets</code> or as a DAG's <code>schedule</code>:
          </p>
          <pre>{`from airflow.sdk import Asset

orders = Asset("s3://warehouse/orders.parquet")

# producer: a task that writes it
export = BashOperator(task_id="export", bash_command="...", outlets=[orders])

# consumer: a DAG that runs each time it is updated
with DAG("report", schedule=[orders]): ...`}</pre>
          <p>Each successful run of a producing task then records an asset event, listed below the assets.</p>
        </div>
      ) : (
        <>
          <Listing
            query={assets}
            loading="assets"
            offset={offset}
            onOffset={setOffset}
            testId="assets-table"
            noun="assets"
            header={
              <>
                <th>Name</th>
                <th>URI</th>
                <th>Group</th>
                <th>Produced by</th>
                <th>Schedules</th>
                <th>Last event</th>
              </>
            }
            rowKey={(a) => a.id}
            rowAttributes={() => ({ "data-testid": "asset-row" })}
            cells={(a) => (
              <>
                <td>
                  <b>{a.name}</b>
                </td>
                <td className="value-cell" title={a.uri}>
                  {a.uri}
                </td>
                <td>{a.group}</td>
                <td>
                  {a.producing_tasks.map((t) => (
                    <div key={`${t.dag_id}.${t.task_id}`}>
                      <Link to={dagLink(t.dag_id)}>{t.dag_id}</Link>
                      <span className="muted">.{t.task_id}</span>
                    </div>
                  ))}
                </td>
                <td>
                  {a.scheduled_dags.map((d) => (
                    <div key={d.dag_id}>
                      <Link to={dagLink(d.dag_id)}>{d.dag_id}</Link>
                    </div>
                  ))}
                </td>
                <td className="muted">{formatDate(a.last_asset_event?.timestamp)}</td>
              </>
            )}
          />
          <h2 style={{ marginTop: 20 }}>Events</h2>
          <Listing
            query={events}
            loading="asset events"
            empty="No asset events yet: they are recorded when a task that produces an asset succeeds."
            offset={eventOffset}
            onOffset={setEventOffset}
            testId="asset-events-table"
            noun="events"
            header={
              <>
                <th>When</th>
                <th>Asset</th>
                <th>Source</th>
                <th>Runs it triggered</th>
                <th>Extra</th>
              </>
            }
            rowKey={(e) => e.id}
            cells={(e) => (
              <>
                <td>{formatDate(e.timestamp)}</td>
                <td>{e.name ?? e.uri}</td>
                <td>
                  {e.source_dag_id ? (
                    <Link to={dagLink(e.source_dag_id, "", e.source_run_id)}>
                      {e.source_dag_id}.{e.source_task_id}
                      {e.source_map_index >= 0 ? `[${e.source_map_index}]` : ""}
                    </Link>
                  ) : (
                    <span className="muted">API or outside</span>
                  )}
                </td>
                <td>
                  {e.created_dagruns.map((r) => (
                    <div key={`${r.dag_id}/${r.run_id}`}>
                      <StateSquare state={r.state} /> <Link to={dagLink(r.dag_id, "", r.run_id)}>{r.dag_id}</Link>
                    </div>
                  ))}
                </td>
                <td className="value-cell">{e.extra && Object.keys(e.extra).length ? JSON.stringify(e.extra) : ""}</td>
              </>
            )}
          />
        </>
      )}
    </div>
  );
}
