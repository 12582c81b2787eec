// The DAG file's source (/dags/:dagId/code): Python highlighted, numbered lines (each a link,
// #L12), the file's path and a copy button.
import { useEffect, useMemo, useState } from "react";
import { useLocation, useOutletContext, useParams } from "react-router";
import { useDagSource } from "../../api/dagDetails";
import type { Dag } from "../../api/dags";
import { ErrorBox, Loading } from "../../components/Feedback";
import "./code.css";
import { highlightPython } from "./highlight";

async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on another host than localhost: no Clipboard API, the old way still works.
  const area = document.createElement("textarea");
  area.value = text;
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  try {
    if (!document.execCommand("copy")) throw new Error("The browser refused to copy");
  } finally {
    area.remove();
  }
}

function CopyButton({ text }: { text: string }) {
  const [said, setSaid] = useState<string | null>(null);
  useEffect(() => {
    if (!said) return;
    const timer = setTimeout(() => setSaid(null), 2000);
    return () => clearTimeout(timer);
  }, [said]);
  return (
    <button
      type="button"
      data-testid="copy-code"
      onClick={() =>
        copyText(text).then(
          () => setSaid("Copied"),
          (e: unknown) => setSaid(`Could not copy: ${e instanceof Error ? e.message : String(e)}`),
        )
      }
    >
      {said ?? "Copy"}
    </button>
  );
}

export default function CodeView() {
  const { dagId = "" } = useParams();
  const dag = useOutletContext<Dag | undefined>();
  const source = useDagSource(dagId);
  const { hash } = useLocation();
  const content = source.data?.content ?? null;
  const lines = useMemo(() => (content === null ? [] : highlightPython(content.replace(/\n$/, ""))), [content]);
  const target = /^#L\d+$/.test(hash) ? hash.slice(1) : null;

  useEffect(() => {
    if (target && lines.length) document.getElementById(target)?.scrollIntoView({ block: "center" });
  }, [target, lines.length]);

  if (source.isPending) return <Loading what="the code" />;
  if (source.isError) return <ErrorBox error={source.error} />;
  return (
    <div className="code-view">
      <div className="toolbar">
        <span className="code-path" data-testid="code-path" title={dag?.fileloc}>
          {dag?.relative_fileloc ?? dag?.fileloc ?? dagId}
        </span>
        {source.data.version_number !== null && <span className="chip">version {source.data.version_number}</span>}
        <span className="muted">{lines.length} lines</span>
        <span className="spacer" />
        {content !== null && <CopyButton text={content} />}
      </div>
      {content === null ? (
        <div className="placeholder">The server has no source for this DAG.</div>
      ) : (
        <pre className="code-block hljs" data-testid="code-block">
          {lines.map((html, i) => {
            const id = `L${i + 1}`;
            return (
              <div key={id} id={id} className={target === id ? "code-line target" : "code-line"} data-testid="code-line">
                <a className="code-no" href={`#${id}`} aria-label={`Line ${i + 1}`}>
                  {i + 1}
                </a>
                <code className="code-text" dangerouslySetInnerHTML={{ __html: html || " " }} />
              </div>
            );
          })}
        </pre>
      )}
    </div>
  );
}
