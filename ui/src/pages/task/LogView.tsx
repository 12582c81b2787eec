// A try's log: a virtualised list of lines (100,000 lines scroll smoothly), ANSI colours by
// ansi_up (which escapes HTML; a line without escape codes is plain React text), line numbers
// that are links (#L12), wrap toggle, download, and auto-scroll while live that stops when the
// user scrolls up and starts again when they come back to the bottom.
import { useVirtualizer } from "@tanstack/react-virtual";
import { AnsiUp } from "ansi_up";
import { memo, useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";

const LINE_HEIGHT = 18;
const ESC = "\u001b";

/** One line's HTML with its ANSI colours as spans; ansi_up escapes <, >, & and quotes. */
export function ansiToHtml(line: string): string {
  const converter = new AnsiUp();
  converter.use_classes = false;
  return converter.ansi_to_html(line);
}

// `[2026-12-02 16:31:23,123] {file.py:12} ERROR - ...`: errors and warnings stand out.
const LEVEL = /^\[[^\]]*\] (?:\{[^}]*\} )?(ERROR|CRITICAL|WARNING) - /;

const SGR = /\u001b\[([0-9;]*)m/g;

/**
 * The colour codes still in effect at the end of each line, for the lines after it: a colour set
 * on one line and reset lines later colours the lines between. Only lines with escape codes are
 * scanned; the answer is sparse (index -> the codes to put before that line).
 */
export class AnsiCarry {
  private done = 0;
  private open = "";
  readonly prefixes = new Map<number, string>();

  update(lines: string[]): void {
    for (let i = this.done; i < lines.length; i++) {
      if (this.open) this.prefixes.set(i, this.open);
      const line = lines[i];
      if (!line.includes(ESC)) continue;
      for (const match of line.matchAll(SGR)) {
        const codes = match[1];
        this.open = codes === "" || codes === "0" || codes.endsWith(";0") ? "" : this.open + match[0];
      }
    }
    this.done = lines.length;
  }
}

const LogLine = memo(function LogLine({ text, carried }: { text: string; carried: string }) {
  const level = LEVEL.exec(text)?.[1];
  const className = level ? `log-text level-${level === "WARNING" ? "warning" : "error"}` : "log-text";
  if (!carried && !text.includes(ESC)) return <span className={className}>{text}</span>;
  return <span className={className} dangerouslySetInnerHTML={{ __html: ansiToHtml(carried + text) }} />;
});

export interface LogViewProps {
  lines: string[];
  /** Bumped when lines are appended in place (the array is reused so 100,000 lines are not copied). */
  version?: number;
  /** The try is still running: lines may still come, follow them. */
  live: boolean;
  /** 1-based line to highlight and scroll to (#L12). */
  highlight: number | null;
  onSelectLine: (line: number) => void;
  /** The name of the downloaded file. */
  fileName: string;
  loading?: boolean;
}

export function LogView({ lines, version = 0, live, highlight, onSelectLine, fileName, loading }: LogViewProps) {
  const [wrap, setWrap] = useState(false);
  const [following, setFollowing] = useState(true);
  const scroller = useRef<HTMLDivElement>(null);
  const count = lines.length;
  const carry = useMemo(() => new AnsiCarry(), [lines]);
  carry.update(lines);
  const digits = String(Math.max(count, 1)).length;

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => LINE_HEIGHT,
    overscan: 20,
    initialRect: { width: 800, height: 600 },
    measureElement: wrap ? (el) => el.getBoundingClientRect().height || LINE_HEIGHT : undefined,
  });

  useEffect(() => {
    virtualizer.measure();
  }, [wrap, virtualizer]);

  // Follow new lines while live, unless the user scrolled up or picked a line.
  useLayoutEffect(() => {
    if (live && following && highlight === null && count > 0) virtualizer.scrollToIndex(count - 1, { align: "end" });
  }, [count, version, live, following, highlight, virtualizer]);

  // Scroll to the highlighted line once it is loaded.
  const reached = highlight !== null && highlight <= count;
  useLayoutEffect(() => {
    if (highlight !== null && reached) {
      setFollowing(false);
      virtualizer.scrollToIndex(highlight - 1, { align: "center" });
    }
  }, [highlight, reached, virtualizer]);

  const onScroll = useCallback(() => {
    const el = scroller.current;
    if (!el) return;
    const atBottom = el.scrollTop + el.clientHeight >= el.scrollHeight - LINE_HEIGHT * 2;
    setFollowing(atBottom);
  }, []);

  const download = useCallback(
    (event: React.MouseEvent<HTMLAnchorElement>) => {
      const blob = new Blob([lines.join("\n") + (lines.length ? "\n" : "")], { type: "text/plain" });
      const url = URL.createObjectURL(blob);
      event.currentTarget.href = url;
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    [lines],
  );

  const items = virtualizer.getVirtualItems();
  const numberWidth = useMemo(() => `${digits + 1}ch`, [digits]);

  return (
    <div className="log-view" data-testid="log-view">
      <div className="toolbar log-toolbar">
        <span className="muted" data-testid="log-line-count">
          {count.toLocaleString("en-US")} lines
        </span>
        {live && (
          <span className="chip log-live" data-testid="log-live" title="The try is running: new lines appear as they are written">
            ● live
          </span>
        )}
        {loading && <span className="muted">loading…</span>}
        <span className="spacer" />
        <label className="log-check">
          <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} data-testid="log-wrap" /> Wrap
          lines
        </label>
        {live && !following && (
          <button type="button" onClick={() => { setFollowing(true); virtualizer.scrollToIndex(count - 1, { align: "end" }); }}>
            ↓ Follow
          </button>
        )}
        <a className="button" href="#" download={fileName} onClick={download} data-testid="log-download">
          Download
        </a>
      </div>
      <div
        ref={scroller}
        className={`log-scroller${wrap ? " wrap" : ""}`}
        onScroll={onScroll}
        data-testid="log-scroller"
        role="log"
        aria-live="off"
      >
        {count === 0 && !loading && <div className="muted log-empty">The log is empty{live ? " so far" : ""}.</div>}
        <div style={{ height: virtualizer.getTotalSize(), position: "relative", width: "100%" }}>
          {items.map((item) => {
            const n = item.index + 1;
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={wrap ? virtualizer.measureElement : undefined}
                className={`log-line${n === highlight ? " highlighted" : ""}`}
                data-line={n}
                style={{ transform: `translateY(${item.start}px)`, minHeight: LINE_HEIGHT, height: wrap ? undefined : LINE_HEIGHT }}
              >
                <a
                  className="log-number"
                  href={`#L${n}`}
                  style={{ width: numberWidth }}
                  onClick={(e) => {
                    e.preventDefault();
                    onSelectLine(n);
                  }}
                >
                  {n}
                </a>
                <LogLine text={lines[item.index] ?? ""} carried={carry.prefixes.get(item.index) ?? ""} />
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
