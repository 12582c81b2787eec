import { formatDuration, durationBetween } from "./format";

describe("formatDuration", () => {
  it("says seconds, minutes and hours as people read them", () => {
    expect(formatDuration(0.834)).toBe("0.83 s");
    expect(formatDuration(42.26)).toBe("42.3 s");
    expect(formatDuration(125)).toBe("2 min 5 s");
    expect(formatDuration(7260)).toBe("2 h 1 min");
    expect(formatDuration(null)).toBe("");
  });
  it("measures between two dates", () => {
    expect(durationBetween("2024-01-01T00:00:00Z", "2024-01-01T00:00:02.5Z")).toBe(2.5);
    expect(durationBetween(null, null)).toBeNull();
  });
});
