import { describe, expect, it } from "vitest";
import { urlProblem } from "./url";

/** Where events may go: http(s) only, no credentials in the URL, https only in production. */
describe("webhook endpoint URLs", () => {
  it("refuses what is not http(s), or carries a user name or password", () => {
    for (const bad of ["ftp://hooks.example.com/x", "file:///etc/passwd", "javascript:alert(1)", "hooks.example.com/x", ""])
      expect(urlProblem(bad, false), bad).not.toBeNull();
    expect(urlProblem("https://user:pw@hooks.example.com/x", false)).toMatch(/passwords/);
  });

  it("in a local demo plain http is allowed; in production only https", () => {
    expect(urlProblem("http://127.0.0.1:4031/hooks/demo", false)).toBeNull();
    expect(urlProblem("http://127.0.0.1:4031/hooks/demo", true)).toMatch(/https:\/\/ URLs only/);
    expect(urlProblem("https://hooks.example.com/idv", true)).toBeNull();
  });
});
