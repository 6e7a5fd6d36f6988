import { describe, expect, it } from "vitest";
import { attemptCells, attemptHeader, csvCell, csvLine, recordCells, recordHeader, type RecordCsvRow } from "./csv";
import { parseCsv } from "@/sandbox/harness/csv";

/** CSV cells per RFC 4180, formula injection neutralized, and the columns each role takes away. */

describe("csv cells", () => {
  it("quotes cells with quotes, commas and line breaks, doubling quotes", () => {
    expect(csvCell("plain")).toBe("plain");
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell("a,b")).toBe('"a,b"');
    expect(csvCell("line\nbreak")).toBe('"line\nbreak"');
    expect(csvCell("cr\rlf")).toBe('"cr\rlf"');
    expect(csvCell(null)).toBe("");
    expect(csvCell(undefined)).toBe("");
    expect(csvCell(42)).toBe("42");
    expect(csvCell(new Date("2026-03-10T14:10:00.000Z"))).toBe("2026-03-10T14:10:00.000Z");
    expect(csvCell(["military", "student"])).toBe("military student");
  });

  it("neutralizes formulas: = + - @ (and tab, carriage return) get a leading apostrophe", () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
    expect(csvCell("+1+2")).toBe("'+1+2");
    expect(csvCell("-2+3")).toBe("'-2+3");
    expect(csvCell("@SUM(A1)")).toBe("'@SUM(A1)");
    expect(csvCell("\t=1")).toBe("'\t=1");
    expect(csvCell("=1,2")).toBe(`"'=1,2"`);
    expect(csvCell("a=b")).toBe("a=b");
    expect(csvCell(["=cmd", "x"])).toBe("'=cmd x");
  });

  it("lines end with CRLF and read back cell for cell", () => {
    const cells = ["a", 'q"uote', "com,ma", "new\nline", "=2+2", null, "ünïcødé"];
    const line = csvLine(cells);
    expect(line.endsWith("\r\n")).toBe(true);
    expect(parseCsv(line)).toEqual([["a", 'q"uote', "com,ma", "new\nline", "'=2+2", "", "ünïcødé"]]);
  });
});

const row: RecordCsvRow = {
  id: "rec_1",
  personId: "idv_1",
  auth0UserId: "auth0|64b7f0e2c1a9d3e5f7a9b118",
  provider: "idme",
  providerUuid: "uuid-1",
  status: "verified",
  policy: "community",
  policyKey: "community:military",
  groups: ["military"],
  lastClientId: "app-vets",
  lastCheckedAt: new Date("2026-03-10T14:10:00.000Z"),
  expiresAt: new Date("2026-04-09T14:10:00.000Z"),
};
const attrs = { uuid: "uuid-1", givenName: "=Jane", familyName: "Doe", email: "jane@example.test", birthDate: "1984-07-23" };

describe("what each role exports", () => {
  it("support: masked Auth0 user id and no attribute columns, even when attributes are passed", () => {
    const header = recordHeader("support", true);
    expect(header).not.toContain("attr_email");
    const cells = recordCells(row, "support", attrs);
    expect(cells).toHaveLength(header.length);
    expect(cells[2]).toBe("auth0|64b…18");
    const line = csvLine(cells);
    for (const v of ["Jane", "Doe", "jane@example.test", "1984-07-23", "64b7f0e2c1a9d3e5f7a9b118"]) expect(line).not.toContain(v);
  });

  it("admin: the Auth0 user id, and the attributes only when asked for (formula-safe)", () => {
    expect(recordHeader("admin")).toEqual(recordHeader("support"));
    expect(recordCells(row, "admin")).toHaveLength(recordHeader("admin").length);
    const header = recordHeader("admin", true);
    const cells = recordCells(row, "admin", attrs);
    expect(cells).toHaveLength(header.length);
    const parsed = parseCsv(csvLine(header) + csvLine(cells));
    const rec = Object.fromEntries(parsed[0]!.map((h, i) => [h, parsed[1]![i]]));
    expect(rec).toMatchObject({
      auth0_user_id: "auth0|64b7f0e2c1a9d3e5f7a9b118",
      attr_givenName: "'=Jane",
      attr_email: "jane@example.test",
      attr_birthDate: "1984-07-23",
      attr_phone: "",
      policy_key: "community:military",
      verified_groups: "military",
    });
    // A record whose sealed data could not be opened: empty attribute cells.
    expect(recordCells(row, "admin", null).slice(-10)).toEqual(Array(10).fill(""));
  });

  it("attempts: the Auth0 user id masked for support only", () => {
    const a = {
      referenceCode: "IDV-7K3M-Q9XZ",
      createdAt: new Date("2026-03-10T14:10:00.000Z"),
      status: "error",
      failureStep: "returned",
      failureCode: "state_mismatch",
      provider: "idme",
      policy: "identity",
      auth0ClientId: "app-bank",
      applicationName: "Sample Bank",
      auth0UserId: "auth0|64b7f0e2c1a9d3e5f7a9b118",
      personId: "idv_1",
      recordId: null,
    };
    expect(attemptCells(a, "support")).toHaveLength(attemptHeader().length);
    expect(attemptCells(a, "support")[9]).toBe("auth0|64b…18");
    expect(attemptCells(a, "admin")[9]).toBe("auth0|64b7f0e2c1a9d3e5f7a9b118");
    expect(attemptCells({ ...a, auth0UserId: null }, "support")[9]).toBeNull();
  });
});
