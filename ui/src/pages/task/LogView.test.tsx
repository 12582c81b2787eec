import { act, fireEvent, render, renderHook, screen, waitFor } from "@testing-library/react";
import { AnsiCarry, LogView, ansiToHtml } from "./LogView";
import { useLogReader, type LogReader } from "./useLogTail";

// jsdom lays nothing out: give the log's scroller a size so the virtualiser renders a window.
beforeAll(() => {
  Object.defineProperty(HTMLElement.prototype, "clientHeight", { configurable: true, get: () => 540 });
  Object.defineProperty(HTMLElement.prototype, "clientWidth", { configurable: true, get: () => 900 });
});

const noop = () => {};

describe("LogView", () => {
  it("renders ANSI colours as spans, escaping the text", () => {
    const lines = ["plain <b>not bold</b>", "\u001b[31mred alert\u001b[0m and <i>tags</i>", "\u001b[1;32mgreen\u001b[0m"];
    render(<LogView lines={lines} live={false} highlight={null} onSelectLine={noop} fileName="x.log" />);
    const view = screen.getByTestId("log-scroller");
    expect(view.textContent).toContain("plain <b>not bold</b>");
    expect(view.querySelector("b")).toBeNull();
    expect(view.querySelector("i")).toBeNull();
    const red = [...view.querySelectorAll("span[style]")].find((s) => s.textContent === "red alert");
    expect(red).toBeDefined();
    expect((red as HTMLElement).style.color).toMatch(/rgb\(187, ?0, ?0\)|rgb\(\d+, ?0, ?0\)/);
    expect(view.textContent).not.toContain("\u001b");
    expect(view.textContent).not.toContain("[31m");
    expect(ansiToHtml("<script>")).toBe("&lt;script&gt;");
  });

  it("carries a colour over the lines until it is reset", () => {
    const lines = ["\u001b[33mwarning starts", "still yellow <x>", "\u001b[0mplain again", "plain too"];
    render(<LogView lines={lines} live={false} highlight={null} onSelectLine={noop} fileName="x.log" />);
    const view = screen.getByTestId("log-scroller");
    const coloured = [...view.querySelectorAll("span[style]")].map((s) => s.textContent);
    expect(coloured).toEqual(["warning starts", "still yellow <x>"]);
    const carry = new AnsiCarry();
    carry.update(lines);
    expect([...carry.prefixes.keys()]).toEqual([1, 2]);
  });

  it("numbers lines with links, highlights the #L line and reports clicks", () => {
    const picked: number[] = [];
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i + 1}`);
    render(<LogView lines={lines} live={false} highlight={3} onSelectLine={(n) => picked.push(n)} fileName="x.log" />);
    const link = screen.getByRole("link", { name: "3" });
    expect(link).toHaveAttribute("href", "#L3");
    expect(link.closest(".log-line")).toHaveClass("highlighted");
    expect(screen.getByRole("link", { name: "4" }).closest(".log-line")).not.toHaveClass("highlighted");
    fireEvent.click(screen.getByRole("link", { name: "7" }));
    expect(picked).toEqual([7]);
  });

  it("keeps only a window of a 100,000-line log in the DOM", () => {
    const lines = Array.from({ length: 100_000 }, (_, i) => `line ${i + 1}`);
    render(<LogView lines={lines} live={false} highlight={null} onSelectLine={noop} fileName="x.log" />);
    expect(screen.getByTestId("log-line-count")).toHaveTextContent("100,000 lines");
    expect(document.querySelectorAll(".log-line").length).toBeLessThan(200);
  });

  it("appends lines live as they arrive", () => {
    const lines = ["first"];
    const { rerender } = render(<LogView lines={lines} version={1} live highlight={null} onSelectLine={noop} fileName="x.log" />);
    expect(screen.getByTestId("log-live")).toBeInTheDocument();
    lines.push("second", "\u001b[34mthird\u001b[0m");
    rerender(<LogView lines={lines} version={2} live highlight={null} onSelectLine={noop} fileName="x.log" />);
    expect(screen.getByTestId("log-scroller").textContent).toContain("second");
    expect(screen.getByTestId("log-scroller").textContent).toContain("third");
    expect(screen.getByTestId("log-line-count")).toHaveTextContent("3 lines");
  });
});

describe("useLogReader", () => {
  it("passes back the continuation token and stops when it comes back null", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const tokens: (string | null)[] = [];
    const answers = [
      { text: "one\ntwo\n", token: "t1" },
      { text: "", token: "t2" },
      { text: "three\n", token: null },
    ];
    const read: LogReader = async (token) => {
      tokens.push(token);
      return answers[tokens.length - 1];
    };
    const { result } = renderHook(() => useLogReader("k", read));
    await waitFor(() => expect(result.current.lines).toEqual(["one", "two"]));
    expect(result.current.tailing).toBe(true);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(4000);
    });
    await waitFor(() => expect(result.current.tailing).toBe(false));
    expect(result.current.lines).toEqual(["one", "two", "three"]);
    expect(tokens).toEqual([null, "t1", "t2"]);
    vi.useRealTimers();
  });
});
