import { describe, expect, it } from "vitest";
import { FAILURES } from "../flow/states";
import { EXPLANATIONS, explain } from "./explanations";

describe("failure explanations for support", () => {
  it("every failure code the flow can record has a plain explanation and a next step", () => {
    for (const code of Object.keys(FAILURES)) {
      const e = explain(code);
      expect(e, code).not.toBeNull();
      expect(e!.what.length, code).toBeGreaterThan(20);
      expect(e!.next.length, code).toBeGreaterThan(15);
    }
    expect(Object.keys(EXPLANATIONS).sort()).toEqual(Object.keys(FAILURES).sort());
  });

  it("explanations name the fix for the cases support meets most", () => {
    expect(explain("provider_invalid_scope")!.next).toMatch(/Settings/);
    expect(explain("provider_access_denied")!.next).toMatch(/try again/);
    expect(explain("token_expired")!.what).toMatch(/10 minutes/);
    expect(explain("token_signature_invalid")!.what).toMatch(/Token Secret/);
  });

  it("an unknown code has no explanation rather than a wrong one", () => {
    expect(explain("something_else")).toBeNull();
    expect(explain(null)).toBeNull();
  });
});
