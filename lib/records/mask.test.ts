import { describe, expect, it } from "vitest";
import { MASK, MASKED_BIRTH_DATE, attributesForRole, maskAttributes, maskEmail, maskName, maskZip } from "./mask";

const full = {
  uuid: "0123456789abcdef0123456789abcdef",
  givenName: "Zoë",
  familyName: "O'Brien-Łukasz",
  email: "Jane.Doe@Example.test",
  birthDate: "1987-06-05",
  phone: "+1 555 0100",
  street: "1 Main St",
  city: "Springfield",
  state: "IL",
  zip: "62704",
  country: "US",
};

describe("maskAttributes", () => {
  it("keeps only what the rules allow", () => {
    expect(maskAttributes(full)).toEqual({
      uuid: full.uuid,
      givenName: `Z${MASK}`,
      familyName: `O${MASK}`,
      email: `J${MASK}@Example.test`,
      birthDate: MASKED_BIRTH_DATE,
      phone: MASK,
      street: MASK,
      city: MASK,
      state: MASK,
      zip: `62${MASK}`,
      country: MASK,
    });
  });

  it("never lets a masked value contain more of the original than allowed", () => {
    const masked = maskAttributes(full);
    for (const key of ["givenName", "familyName", "street", "city", "phone", "birthDate"] as const) {
      expect(masked[key]!.replace(/[•-]/g, "").length, key).toBeLessThanOrEqual(1);
    }
    expect(JSON.stringify(masked)).not.toMatch(/1987|Doe|Springfield|Main|555|0100/);
  });

  it("leaves absent fields out and masks values that are not text", () => {
    expect(maskAttributes({ uuid: "u1", givenName: "Ann" })).toEqual({ uuid: "u1", givenName: `A${MASK}` });
    expect(maskAttributes({ zip: 62704, birthDate: 19870605, city: true } as Record<string, unknown>)).toEqual({
      zip: MASK,
      birthDate: MASKED_BIRTH_DATE,
      city: MASK,
    });
    expect(maskAttributes({ givenName: "" })).toEqual({ givenName: "" });
  });

  it("masks fields it does not know completely", () => {
    expect(maskAttributes({ ssn: "123-45-6789", middleName: "Q" } as Record<string, unknown>)).toEqual({ ssn: MASK, middleName: MASK });
  });
});

describe("the single maskers", () => {
  it("names: first letter (a whole character, even outside ASCII)", () => {
    expect(maskName("Ærø")).toBe(`Æ${MASK}`);
    expect(maskName("  bob ")).toBe(`b${MASK}`);
    expect(maskName("👩‍🚀x")).toBe(`👩${MASK}`);
    expect(maskName("")).toBe(MASK);
  });

  it("emails: first letter and the domain", () => {
    expect(maskEmail("alice@example.test")).toBe(`a${MASK}@example.test`);
    expect(maskEmail('"a@b"@example.test')).toBe(`"${MASK}@example.test`);
    expect(maskEmail("not-an-email")).toBe(MASK);
    expect(maskEmail("@example.test")).toBe(MASK);
    expect(maskEmail("alice@")).toBe(MASK);
  });

  it("zip codes: the first two characters", () => {
    expect(maskZip("62704-1234")).toBe(`62${MASK}`);
    expect(maskZip("SW1A 1AA")).toBe(`SW${MASK}`);
    expect(maskZip("12")).toBe(MASK);
  });
});

describe("attributesForRole", () => {
  it("admins see the attributes in clear, support masked", () => {
    expect(attributesForRole("admin", full)).toEqual(full);
    expect(attributesForRole("support", full)).toEqual(maskAttributes(full));
  });
});
