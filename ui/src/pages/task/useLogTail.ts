// Reads a try's log and, while the try runs, tails it: each read passes back the continuation
// token of the previous one, so only the lines written since come; the server answers a null
// token once the try is over and everything was read, and the tail stops.
import { useEffect, useRef, useState } from "react";
import { fetchLog, type LogChunk } from "../../api/taskInstances";
import { IDLE_MS, LIVE_MS } from "../../api/live";

/** A chunk this big means the server stopped at its size limit: read on at once. */
const FULL_CHUNK = 512 * 1024;

export interface LogTail {
  lines: string[];
  version: number;
  /** Still reading (the try runs, or a big log is still coming). */
  tailing: boolean;
  loaded: boolean;
  error: unknown;
}

export type LogReader = (token: string | null, signal: AbortSignal) => Promise<LogChunk>;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });

/** Tails what `read` gives, from scratch whenever `key` changes. */
export function useLogReader(key: string, read: LogReader | null): LogTail {
  const [state, setState] = useState<LogTail>({ lines: [], version: 0, tailing: false, loaded: false, error: null });
  const readRef = useRef(read);
  readRef.current = read;

  useEffect(() => {
    if (!readRef.current) return;
    const abort = new AbortController();
    const lines: string[] = [];
    let version = 0;
    setState({ lines, version, tailing: true, loaded: false, error: null });
    (async () => {
      let token: string | null = null;
      for (;;) {
        let chunk: LogChunk;
        try {
          chunk = await readRef.current!(token, abort.signal);
        } catch (error) {
          if (abort.signal.aborted) return;
          setState((s) => ({ ...s, tailing: false, loaded: true, error }));
          return;
        }
        if (abort.signal.aborted) return;
        if (chunk.text) {
          const found = chunk.text.split("\n");
          if (found[found.length - 1] === "") found.pop();
          for (const line of found) lines.push(line);
        }
        version += 1;
        setState({ lines, version, tailing: chunk.token !== null, loaded: true, error: null });
        if (chunk.token === null) return;
        token = chunk.token;
        if (chunk.text.length < FULL_CHUNK) await sleep(document.hidden ? IDLE_MS : LIVE_MS, abort.signal);
        if (abort.signal.aborted) return;
      }
    })();
    return () => abort.abort();
  }, [key]);

  return state;
}

export function useLogTail(dagId: string, runId: string, taskId: string, mapIndex: number, tryNumber: number | null, generation: number) {
  const key = `${dagId}\u0000${runId}\u0000${taskId}\u0000${mapIndex}\u0000${tryNumber}\u0000${generation}`;
  return useLogReader(
    key,
    tryNumber === null ? null : (token, signal) => fetchLog(dagId, runId, taskId, mapIndex, tryNumber, token, signal),
  );
}
