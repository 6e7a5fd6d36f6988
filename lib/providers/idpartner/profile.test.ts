import { describe, expect, it } from "vitest";
import { mergeClaims, parseProfile, ProfileError } from "./profile";

const bankEvidence = (bank = "Harbor Trust Bank") => ({
  type: "electronic_record",
  record: { type: "bank_account", source: { name: bank } },
});

const verified = (over: Record<string, unknown> = {}, claims: Record<string, unknown> = {}) => ({
  verification: { trust_framework: "idpartner_bank_kyc", time: "2021-03-14T09:30:00Z", evidence: [bankEvidence()], ...over },
  claims: {
    given_name: "Robert",
    family_name: "Okafor",
    birthdate: "1984-07-22",
    address: { street_address: "1200 Harbor View Dr", locality: "Baltimore", region: "MD", postal_code: "21230", country: "US" },
    ...claims,
  },
});

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProfileError) return err.code;
    throw err;
  }
  return undefined;
}

describe("parseProfile: verified", () => {
  it("a trust framework plus bank evidence is verified; verified claims win over plain ones", () => {
    const p = parseProfile({
      sub: "idp_1",
      given_name: "Rob",
      family_name: "Okafor",
      email: " robert@example.test ",
      phone_number: "+1 410 555 0142",
      address: { street_address: "PO Box 1", locality: "Elsewhere", country: "US" },
      verified_claims: verified(),
    });
    expect(p.identityVerified).toBe(true);
    expect(p.verification).toEqual({ trustFramework: "idpartner_bank_kyc", time: "2021-03-14T09:30:00Z", banks: ["Harbor Trust Bank"] });
    expect(p.normalized).toEqual({
      uuid: "idp_1",
      givenName: "Robert",
      familyName: "Okafor",
      email: "robert@example.test",
      birthDate: "1984-07-22",
      phone: "+1 410 555 0142",
      // The verified address as a unit, not mixed with the plain one.
      street: "1200 Harbor View Dr",
      city: "Baltimore",
      state: "MD",
      zip: "21230",
      country: "US",
    });
    // given_name, family_name, email, phone_number, address + 4 verified claims
    expect(p.attributeCount).toBe(9);
  });

  it("verified_claims as an array: any bank-evidenced entry counts, others are ignored for names", () => {
    const p = parseProfile({
      sub: "idp_2",
      verified_claims: [
        {
          verification: { trust_framework: "eidas", evidence: [{ type: "document", document_details: { type: "passport" } }] },
          claims: { given_name: "Passport" },
        },
        verified({}, { given_name: "Bank" }),
      ],
    });
    expect(p.identityVerified).toBe(true);
    expect(p.normalized.givenName).toBe("Bank");
  });

  it("several bank records: every named bank is listed", () => {
    const p = parseProfile({
      sub: "s",
      verified_claims: verified({
        evidence: [bankEvidence("A Bank"), { type: "electronic_record", record: { type: "bank_account" } }, bankEvidence("B Bank")],
      }),
    });
    expect(p.verification?.banks).toEqual(["A Bank", "B Bank"]);
  });
});

describe("parseProfile: not verified", () => {
  it.each([
    ["no verified_claims", undefined],
    ["null verified_claims", null],
    ["no trust framework", verified({ trust_framework: undefined })],
    ["empty trust framework", verified({ trust_framework: "  " })],
    ["trust framework not a string", verified({ trust_framework: 7 })],
    ["no evidence", verified({ evidence: undefined })],
    ["evidence not an array", verified({ evidence: bankEvidence() })],
    ["evidence without a bank record", verified({ evidence: [{ type: "electronic_record", record: { type: "utility_account" } }] })],
    ["document evidence only", verified({ evidence: [{ type: "document", document_details: { type: "idcard" } }] })],
    ["bank record type under another evidence type", verified({ evidence: [{ type: "vouch", record: { type: "bank_account" } }] })],
    ["no verification", { claims: { given_name: "X" } }],
    ["array of non-objects", [1, "x", null]],
  ])("%s", (_label, vc) => {
    const claims: Record<string, unknown> = { sub: "s", given_name: "Dana", family_name: "Whitfield" };
    if (vc !== undefined) claims.verified_claims = vc;
    const p = parseProfile(claims);
    expect(p.identityVerified).toBe(false);
    expect(p.verification).toBeNull();
    expect(p.normalized).toMatchObject({ uuid: "s", givenName: "Dana", familyName: "Whitfield" });
  });

  it("claims of an entry that is not bank-verified do not replace the plain ones", () => {
    const p = parseProfile({ sub: "s", given_name: "Dana", verified_claims: verified({ evidence: [] }, { given_name: "Other" }) });
    expect(p.normalized.givenName).toBe("Dana");
  });
});

describe("parseProfile: awkward values", () => {
  it("keeps hyphens, apostrophes and non-ASCII; NFC; null / empty address parts are absent", () => {
    const decomposed = "Zoe\u0308-Anne"; // e + combining diaeresis
    const p = parseProfile({
      sub: "s",
      verified_claims: verified(
        {},
        {
          given_name: decomposed,
          family_name: "Núñez-O'Brien",
          address: { street_address: "Hauptstraße 7", locality: null, region: "", postal_code: null, country: "DE" },
        },
      ),
    });
    expect(p.normalized.givenName).toBe("Zoë-Anne");
    expect(p.normalized.givenName).toBe("Zoë-Anne".normalize("NFC"));
    expect(p.normalized.familyName).toBe("Núñez-O'Brien");
    expect(p.normalized.street).toBe("Hauptstraße 7");
    expect(p.normalized.country).toBe("DE");
    for (const f of ["city", "state", "zip"] as const) expect(p.normalized[f]).toBeUndefined();
  });

  it("numbers only for postal_code; other non-strings are ignored", () => {
    const p = parseProfile({ sub: "s", given_name: 42, email: true, birthdate: null, address: { postal_code: 21230, locality: 5 } });
    expect(p.normalized).toEqual({ uuid: "s", zip: "21230" });
  });

  it("an address that is not an object is ignored; the next source's object is used", () => {
    const p = parseProfile({ sub: "s", address: { street_address: "1 Main St" }, verified_claims: verified({}, { address: "flat" }) });
    expect(p.normalized.street).toBe("1 Main St");
    expect(parseProfile({ sub: "s", address: "1 Main St" }).normalized.street).toBeUndefined();
  });

  it("a claim named __proto__ is an ordinary key", () => {
    const claims = JSON.parse('{"sub":"s","__proto__":{"given_name":"Evil"}}') as Record<string, unknown>;
    const p = parseProfile(claims);
    expect(p.normalized.givenName).toBeUndefined();
    expect(({} as Record<string, unknown>).given_name).toBeUndefined();
  });
});

describe("parseProfile: errors", () => {
  it.each([
    ["not an object", "x", "userinfo_malformed"],
    ["an array", [{ sub: "s" }], "userinfo_malformed"],
    ["null", null, "userinfo_malformed"],
    ["no sub", { given_name: "X" }, "userinfo_uuid_missing"],
    ["blank sub", { sub: "  " }, "userinfo_uuid_missing"],
    ["numeric sub", { sub: 12 }, "userinfo_uuid_missing"],
    ["verified_claims a string", { sub: "s", verified_claims: "eyJ..." }, "userinfo_malformed"],
    ["verified_claims a number", { sub: "s", verified_claims: 1 }, "userinfo_malformed"],
  ])("%s → %s", (_label, input, code) => {
    expect(codeOf(() => parseProfile(input))).toBe(code);
  });

  it("error messages carry no claim values", () => {
    try {
      parseProfile({ given_name: "Secretname" });
    } catch (err) {
      expect(String((err as Error).message)).not.toContain("Secretname");
    }
  });
});

describe("mergeClaims", () => {
  const id = { iss: "https://idp", aud: "c", exp: 1, iat: 1, nonce: "n", sub: "s", given_name: "Id", email: "id@example.test" };

  it("userinfo wins; the ID token's protocol claims are left out; sub kept", () => {
    const m = mergeClaims(id, { sub: "s", given_name: "Ui", verified_claims: { x: 1 } });
    expect(m).toEqual({ sub: "s", given_name: "Ui", email: "id@example.test", verified_claims: { x: 1 } });
  });

  it("no userinfo: the ID token's person claims alone", () => {
    expect(mergeClaims(id, null)).toEqual({ sub: "s", given_name: "Id", email: "id@example.test" });
  });

  it.each([
    ["a different sub", { sub: "other" }, "subject_mismatch"],
    ["no sub", { given_name: "x" }, "userinfo_uuid_missing"],
    ["an empty sub", { sub: "" }, "userinfo_uuid_missing"],
    ["an array", [], "userinfo_malformed"],
    ["a string", "hello", "userinfo_malformed"],
  ])("userinfo with %s → %s", (_label, ui, code) => {
    expect(codeOf(() => mergeClaims(id, ui))).toBe(code);
  });
});
