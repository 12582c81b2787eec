import { checkExtra } from "./extra";

describe("checkExtra", () => {
  it("accepts nothing and JSON objects", () => {
    expect(checkExtra("")).toBeNull();
    expect(checkExtra("  ")).toBeNull();
    expect(checkExtra('{"timeout": 30, "token": "***"}')).toBeNull();
  });
  it("refuses what is not JSON, or not an object", () => {
    expect(checkExtra("{timeout: 30}")).toMatch(/not valid JSON/);
    expect(checkExtra("[1, 2]")).toMatch(/JSON object/);
    expect(checkExtra("42")).toMatch(/JSON object/);
    expect(checkExtra("null")).toMatch(/JSON object/);
  });
});
