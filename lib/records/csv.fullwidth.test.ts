import { describe, expect, it } from "vitest";
import { csvCell, csvLine } from "./csv";

/** Formula injection through full-width starters (＝＋－＠), which some spreadsheets fold to ASCII. */
describe("CSV cells starting with full-width formula characters", () => {
  it.each(['＝HYPERLINK("http://x")', "＋1+1", "－2", "＠SUM(A1)"])("%s is neutralized", (value) => {
    expect(csvCell(value)).toMatch(/^"?'/);
    expect(csvCell(value)).toContain(value.replace(/"/g, '""'));
  });

  it("inside arrays (groups) too, and ordinary full-width text is left alone", () => {
    expect(csvCell(["＝cmd", "x"])).toBe("'＝cmd x");
    expect(csvCell("ｍilitary")).toBe("ｍilitary");
    expect(csvLine(["＋x", "plain"])).toBe("'＋x,plain\r\n");
  });
});
