// Python highlighted by highlight.js (its core and the Python grammar only), cut into lines.
import hljs from "highlight.js/lib/core";
import python from "highlight.js/lib/languages/python";

hljs.registerLanguage("python", python);

/**
 * highlight.js's HTML cut at its newlines, each line a string of balanced HTML: a span open at
 * the end of a line (a docstring over several lines) is closed there and opened again on the
 * next one. highlight.js escapes the source, so its only tags are `<span class="...">` and `</span>`.
 */
export function splitHighlighted(html: string): string[] {
  const lines: string[] = [];
  const open: string[] = [];
  let current = "";
  const tag = /<span[^>]*>|<\/span>|\n/g;
  let last = 0;
  for (let match = tag.exec(html); match !== null; match = tag.exec(html)) {
    current += html.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0] === "\n") {
      lines.push(current + "</span>".repeat(open.length));
      current = open.join("");
    } else if (match[0] === "</span>") {
      open.pop();
      current += match[0];
    } else {
      open.push(match[0]);
      current += match[0];
    }
  }
  lines.push(current + html.slice(last));
  return lines;
}

export function highlightPython(source: string): string[] {
  return splitHighlighted(hljs.highlight(source, { language: "python", ignoreIllegals: true }).value);
}
