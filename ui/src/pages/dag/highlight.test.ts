import { describe, expect, it } from "vitest";
import { highlightPython, splitHighlighted } from "./highlight";

describe("highlightPython", () => {
  it("gives one line of balanced HTML per source line", () => {
    const lines = highlightPython('x = """a\nb"""\ndag_id=\'p\' # <b>\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toBe('x = <span class="hljs-string">&quot;&quot;&quot;a</span>');
    expect(lines[1]).toBe('<span class="hljs-string">b&quot;&quot;&quot;</span>');
    expect(lines[2]).toContain('<span class="hljs-string">&#x27;p&#x27;</span>');
    expect(lines[2]).toContain("&lt;b&gt;");
    expect(lines[3]).toBe("");
  });

  it("reopens nested spans on the next line", () => {
    expect(splitHighlighted('<span class="a">1<span class="b">2\n3</span>4</span>')).toEqual([
      '<span class="a">1<span class="b">2</span></span>',
      '<span class="a"><span class="b">3</span>4</span>',
    ]);
  });
});
