import { describe, expect, it } from "vitest";
import { isoDuration, safeOwnerLink } from "./DetailsView";

describe("details helpers", () => {
  it("follows only mailto: and http(s) owner links", () => {
    expect(safeOwnerLink("mailto:a@example.com")).toBe("mailto:a@example.com");
    expect(safeOwnerLink(" https://example.com/team ")).toBe("https://example.com/team");
    expect(safeOwnerLink("javascript:alert(1)")).toBeNull();
    expect(safeOwnerLink(undefined)).toBeNull();
  });

  it("says an ISO 8601 duration in words", () => {
    expect(isoDuration("PT3600S")).toBe("1 h 0 min");
    expect(isoDuration("PT1H30M")).toBe("1 h 30 min");
    expect(isoDuration("P1DT2H")).toBe("26 h 0 min");
    expect(isoDuration("PT30S")).toBe("30.0 s");
    expect(isoDuration(null)).toBeNull();
    expect(isoDuration("soon")).toBe("soon");
  });
});
