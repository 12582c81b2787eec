import DOMPurify from "dompurify";
import { marked } from "marked";
import { useMemo } from "react";

/** A DAG's doc_md or a param's description_md, rendered and sanitised (DAG authors write it, viewers read it). */
export function Markdown({ text, className }: { text: string | null | undefined; className?: string }) {
  const html = useMemo(() => DOMPurify.sanitize(marked.parse(text ?? "", { async: false }) as string), [text]);
  return <div className={`markdown ${className ?? ""}`} dangerouslySetInnerHTML={{ __html: html }} />;
}
