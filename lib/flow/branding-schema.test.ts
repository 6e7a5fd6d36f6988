import { describe, expect, it } from "vitest";
import { brandingSchema, contrastWithWhite, supportHref } from "./branding-schema";

const ok = (v: Record<string, unknown>) =>
  brandingSchema.safeParse({ logoUrl: "", accentColor: "", supportContact: "", privacyUrl: "", ...v });

describe("an application's branding", () => {
  it("empty fields are no branding at all", () => {
    expect(ok({}).data).toEqual({ logoUrl: null, accentColor: null, supportContact: null, privacyUrl: null });
  });

  it("a logo is an https address or a base64 data:image, nothing else", () => {
    expect(ok({ logoUrl: "https://cdn.example.com/logo.svg" }).success).toBe(true);
    expect(ok({ logoUrl: "data:image/png;base64,iVBORw0KGgo=" }).success).toBe(true);
    for (const bad of ["http://cdn.example.com/logo.png", "javascript:alert(1)", "data:text/html;base64,PHA+", "//cdn.example.com/x.png"]) {
      expect(ok({ logoUrl: bad }).success, bad).toBe(false);
    }
  });

  it("the accent colour keeps white text at WCAG AA (4.5:1) and is refused with the ratio when it would not", () => {
    expect(ok({ accentColor: "#1F5FBF" }).data?.accentColor).toBe("#1f5fbf");
    const light = ok({ accentColor: "#ffcc00" });
    expect(light.success).toBe(false);
    expect(light.error?.issues[0]?.message).toMatch(/contrast of 1\.\d\d:1, and needs 4\.5:1/);
    expect(ok({ accentColor: "blue" }).success).toBe(false);
    expect(contrastWithWhite("#000000")).toBeCloseTo(21, 5);
    expect(contrastWithWhite("#ffffff")).toBeCloseTo(1, 5);
  });

  it("support is an https address or an email; the privacy notice an https address", () => {
    expect(ok({ supportContact: "help@bank.example" }).success).toBe(true);
    expect(ok({ supportContact: "https://bank.example/help" }).success).toBe(true);
    expect(ok({ supportContact: "call us" }).success).toBe(false);
    expect(ok({ privacyUrl: "http://bank.example/privacy" }).success).toBe(false);
    expect(supportHref("help@bank.example")).toBe("mailto:help@bank.example");
    expect(supportHref("https://bank.example/help")).toBe("https://bank.example/help");
  });
});
