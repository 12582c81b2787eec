/** The mark of a setup task (arrow up) or a teardown task (arrow down), the same in the grid and the graph. */
export function SetupTeardownMark({ kind, className, testId }: { kind: "setup" | "teardown"; className?: string; testId?: string }) {
  const title = kind === "setup" ? "Setup task" : "Teardown task";
  return (
    <svg className={className} data-testid={testId ?? `${kind}-mark`} viewBox="0 0 16 16" width="14" height="14" role="img" aria-label={title}>
      <title>{title}</title>
      <circle cx="8" cy="8" r="7" fill="none" stroke="currentColor" strokeWidth="1.5" />
      <path d={kind === "setup" ? "M8 12V4M4.5 7.5 8 4l3.5 3.5" : "M8 4v8M4.5 8.5 8 12l3.5-3.5"} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}
