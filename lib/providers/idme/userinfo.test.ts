import { describe, expect, it } from "vitest";
import {
  UserinfoError,
  groupVerified,
  parseUserinfoClaims,
  parseUserinfoJson,
  type ParsedUserinfo,
  type UserinfoErrorCode,
} from "./userinfo";

/** The example payload of seed 004 (ID.me OAuth guide), verbatim. */
const SEED_004 = {
  attributes: [
    { handle: "fname", name: "First Name", value: "Malcolm" },
    { handle: "lname", name: "Last Name", value: "Murphy" },
    { handle: "email", name: "Email", value: "malcolm.murphy@id.me" },
    { handle: "uuid", name: "Unique Identifier", value: "d733a89e2e634f04ac2fe66c97f71612" },
    { handle: "zip", name: "Zip Code", value: "21219-4921" },
    { handle: "vaccination_status", name: "Vaccination Status", value: true },
    { handle: "vaccine_brand", name: "Manufacturer", value: "Pfizer" },
    { handle: "vaccine_date_1", name: "1st Dose", value: "2021-01-01" },
    { handle: "vaccine_date_2", name: "2nd Dose", value: "2021-02-01" },
  ],
  status: [
    { group: "covid_vaccine", subgroups: [null], verified: true },
    { group: "covid_vaccine", subgroups: null, verified: true },
  ],
};

function attr(handle: string, value: unknown, name = handle): Record<string, unknown> {
  return { handle, name, value };
}

function body(attributes: unknown[], status?: unknown): Record<string, unknown> {
  return status === undefined ? { attributes } : { attributes, status };
}

function expectCode(fn: () => unknown, code: UserinfoErrorCode): UserinfoError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(UserinfoError);
  expect((caught as UserinfoError).code).toBe(code);
  return caught as UserinfoError;
}

function shuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

describe("parseUserinfoJson: seed 004 example", () => {
  const parsed = parseUserinfoJson(SEED_004);

  it("reads the uuid and the normalized fields", () => {
    expect(parsed.uuid).toBe("d733a89e2e634f04ac2fe66c97f71612");
    expect(parsed.normalized).toEqual({
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      givenName: "Malcolm",
      familyName: "Murphy",
      email: "malcolm.murphy@id.me",
      zip: "21219-4921",
    });
  });

  it("keeps every attribute by handle with its original type", () => {
    expect(parsed.attributes).toEqual({
      fname: "Malcolm",
      lname: "Murphy",
      email: "malcolm.murphy@id.me",
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      zip: "21219-4921",
      vaccination_status: true,
      vaccine_brand: "Pfizer",
      vaccine_date_1: "2021-01-01",
      vaccine_date_2: "2021-02-01",
    });
    expect(typeof parsed.attributes["vaccination_status"]).toBe("boolean");
  });

  it("reads the status entries; subgroups [null] and null both give []", () => {
    expect(parsed.groups).toEqual([
      { group: "covid_vaccine", subgroups: [], verified: true },
      { group: "covid_vaccine", subgroups: [], verified: true },
    ]);
    expect(groupVerified(parsed, "covid_vaccine")).toBe(true);
    expect(groupVerified(parsed, "military")).toBe(false);
    expect(parsed.identityVerified).toBe(false);
  });

  it("does not modify its input", () => {
    const copy = structuredClone(SEED_004);
    parseUserinfoJson(copy);
    expect(copy).toEqual(SEED_004);
  });
});

describe("parseUserinfoJson: order and types", () => {
  it("gives the same result for shuffled attributes and status", () => {
    const reference = parseUserinfoJson(SEED_004);
    for (let seed = 1; seed <= 10; seed++) {
      const shuffled = {
        status: shuffle(SEED_004.status, seed),
        attributes: shuffle(SEED_004.attributes, seed * 7),
      };
      const p = parseUserinfoJson(shuffled);
      expect(p.uuid).toBe(reference.uuid);
      expect(p.normalized).toEqual(reference.normalized);
      expect(p.attributes).toEqual(reference.attributes);
      expect(p.identityVerified).toBe(reference.identityVerified);
      expect(new Set(p.groups.map((g) => JSON.stringify(g)))).toEqual(new Set(reference.groups.map((g) => JSON.stringify(g))));
    }
  });

  it("keeps booleans, numbers and null as they are; normalized takes only strings (zip also numbers)", () => {
    const p = parseUserinfoJson(
      body([
        attr("uuid", "u-1"),
        attr("fname", true),
        attr("lname", 42),
        attr("email", null),
        attr("zip", 21219),
        attr("phone", 5551234567),
        attr("age", 37),
        attr("over_18", false),
        attr("city", null),
      ]),
    );
    expect(p.attributes).toEqual({
      uuid: "u-1",
      fname: true,
      lname: 42,
      email: null,
      zip: 21219,
      phone: 5551234567,
      age: 37,
      over_18: false,
      city: null,
    });
    expect(p.normalized).toEqual({ uuid: "u-1", zip: "21219" });
  });

  it("treats a missing value or an object/array value as null", () => {
    const p = parseUserinfoJson(
      body([attr("uuid", "u-1"), { handle: "fname", name: "First" }, attr("lname", { a: 1 }), attr("city", ["x"])]),
    );
    expect(p.attributes).toEqual({ uuid: "u-1", fname: null, lname: null, city: null });
    expect(p.normalized).toEqual({ uuid: "u-1" });
  });

  it("keeps hyphenated and non-ASCII names exactly (trim only, NFC)", () => {
    const p = parseUserinfoJson(
      body([
        attr("uuid", "u-2"),
        attr("fname", "  Zoë-Anne "),
        attr("lname", "Núñez-O'Brien"),
        attr("city", "Zu\u0308rich"), // decomposed ü
        attr("street", "-Straße 1-"),
      ]),
    );
    expect(p.normalized.givenName).toBe("Zoë-Anne");
    expect(p.normalized.familyName).toBe("Núñez-O'Brien");
    expect(p.normalized.city).toBe("Zürich");
    expect(p.normalized.city).toBe("Z\u00fcrich");
    expect(p.normalized.street).toBe("-Straße 1-");
    // the attribute map keeps the raw value
    expect(p.attributes["fname"]).toBe("  Zoë-Anne ");
    expect(p.attributes["city"]).toBe("Zu\u0308rich");
  });

  it("handles an international user with null address fields", () => {
    const p = parseUserinfoJson(
      body(
        [
          attr("uuid", "intl-1"),
          attr("fname", "Søren"),
          attr("lname", "Kierkegaard"),
          attr("street", null),
          attr("city", null),
          attr("state", null),
          attr("zip", null),
          attr("country", "DK"),
          attr("birth_date", "1813-05-05"),
          attr("phone", "+4512345678"),
        ],
        [{ group: "identity", subgroups: ["IAL2"], verified: true }],
      ),
    );
    expect(p.normalized).toEqual({
      uuid: "intl-1",
      givenName: "Søren",
      familyName: "Kierkegaard",
      country: "DK",
      birthDate: "1813-05-05",
      phone: "+4512345678",
    });
    expect(p.attributes["street"]).toBeNull();
    expect(p.identityVerified).toBe(true);
    expect(groupVerified(p, "identity")).toBe(true);
  });

  it("empty or whitespace-only strings are absent from normalized", () => {
    const p = parseUserinfoJson(body([attr("uuid", "u"), attr("fname", ""), attr("lname", "   ")]));
    expect(p.normalized).toEqual({ uuid: "u" });
  });
});

describe("parseUserinfoJson: handles", () => {
  it("first non-null value wins for a repeated handle", () => {
    const p = parseUserinfoJson(
      body([
        attr("uuid", "u"),
        attr("fname", null),
        attr("fname", "First"),
        attr("fname", "Second"),
        attr("lname", "Kept"),
        attr("lname", "Ignored"),
        attr("zip", null),
        attr("zip", null),
      ]),
    );
    expect(p.attributes["fname"]).toBe("First");
    expect(p.attributes["lname"]).toBe("Kept");
    expect(p.attributes["zip"]).toBeNull();
    expect(p.normalized.givenName).toBe("First");
    expect(p.normalized.familyName).toBe("Kept");
  });

  it("false and 0 count as non-null values", () => {
    const p = parseUserinfoJson(body([attr("uuid", "u"), attr("flag", false), attr("flag", true)]));
    expect(p.attributes["flag"]).toBe(false);
  });

  it("matches handles exactly (case-sensitive)", () => {
    const p = parseUserinfoJson(body([attr("uuid", "u"), attr("FName", "Upper"), attr("fname ", "Spaced")]));
    expect(p.normalized.givenName).toBeUndefined();
    expect(p.attributes["FName"]).toBe("Upper");
    const q = parseUserinfoJson(body([attr("UUID", "x"), attr("uuid", "lower")]));
    expect(q.uuid).toBe("lower");
  });

  it("skips entries that are not objects or lack a string handle", () => {
    const p = parseUserinfoJson(
      body([
        null,
        "fname",
        42,
        ["fname", "x"],
        { name: "First Name", value: "NoHandle" },
        { handle: 7, value: "NumericHandle" },
        { handle: "", value: "EmptyHandle" },
        { handle: null, value: "NullHandle" },
        attr("uuid", "u"),
        attr("fname", "Real"),
      ]),
    );
    expect(p.attributes).toEqual({ uuid: "u", fname: "Real" });
  });

  it("a __proto__ handle is an ordinary key", () => {
    const parsedBody = JSON.parse('{"attributes":[{"handle":"__proto__","value":"x"},{"handle":"uuid","value":"u"}]}');
    const p = parseUserinfoJson(parsedBody);
    expect(Object.getPrototypeOf(p.attributes)).toBe(Object.prototype);
    expect(Object.hasOwn(p.attributes, "__proto__")).toBe(true);
    expect(p.attributes["__proto__"]).toBe("x");
  });

  it("never puts social (SSN) or other handles into normalized", () => {
    const p = parseUserinfoJson(
      body([
        attr("uuid", "u"),
        attr("social", "123-45-6789"),
        attr("ssn", "123-45-6789"),
        attr("vaccine_brand", "Pfizer"),
        attr("fname", "A"),
      ]),
    );
    expect(p.attributes["social"]).toBe("123-45-6789");
    expect(JSON.stringify(p.normalized)).not.toContain("123-45");
    expect(Object.keys(p.normalized).sort()).toEqual(["givenName", "uuid"]);
  });
});

describe("parseUserinfoJson: status", () => {
  it("missing or null status gives no groups", () => {
    expect(parseUserinfoJson(body([attr("uuid", "u")])).groups).toEqual([]);
    expect(parseUserinfoJson({ attributes: [attr("uuid", "u")], status: null }).groups).toEqual([]);
  });

  it('"verified": "true" (string), 1, or missing is not verified', () => {
    const p = parseUserinfoJson(
      body(
        [attr("uuid", "u")],
        [
          { group: "identity", subgroups: [], verified: "true" },
          { group: "military", subgroups: ["veteran"], verified: 1 },
          { group: "teacher", subgroups: [] },
          { group: "nurse", verified: null },
        ],
      ),
    );
    expect(p.groups.every((g) => g.verified === false)).toBe(true);
    expect(p.identityVerified).toBe(false);
    expect(groupVerified(p, "identity")).toBe(false);
    expect(groupVerified(p, "military")).toBe(false);
  });

  it("an identity entry verified true makes identityVerified, even after an unverified one", () => {
    const p = parseUserinfoJson(
      body(
        [attr("uuid", "u")],
        [
          { group: "identity", subgroups: null, verified: false },
          { group: "identity", subgroups: null, verified: true },
        ],
      ),
    );
    expect(p.identityVerified).toBe(true);
  });

  it("group names match exactly (and a name outside the lower-case vocabulary is no group at all)", () => {
    const p = parseUserinfoJson(body([attr("uuid", "u")], [{ group: "Identity", subgroups: [], verified: true }]));
    expect(p.identityVerified).toBe(false);
    expect(groupVerified(p, "Identity")).toBe(false);
    expect(p.groups).toEqual([]);
  });

  it("keeps string subgroups only, skips entries without a string group", () => {
    const p = parseUserinfoJson(
      body(
        [attr("uuid", "u")],
        [
          { group: "military", subgroups: ["veteran", null, 3, "", "service_member"], verified: true },
          { group: "military", subgroups: "veteran", verified: true },
          { subgroups: ["x"], verified: true },
          { group: 5, verified: true },
          { group: "", verified: true },
          null,
          "identity",
        ],
      ),
    );
    expect(p.groups).toEqual([
      { group: "military", subgroups: ["veteran", "service_member"], verified: true },
      { group: "military", subgroups: [], verified: true },
    ]);
  });
});

describe("parseUserinfoJson: malformed and uuid", () => {
  it.each([
    ["null", null],
    ["an array", [SEED_004]],
    ["a string", JSON.stringify(SEED_004)],
    ["a number", 1],
    ["undefined", undefined],
    ["attributes a string", { attributes: "fname=Malcolm", status: [] }],
    ["attributes an object", { attributes: { fname: "Malcolm", uuid: "u" } }],
    ["status a number", { attributes: [attr("uuid", "u")], status: 1 }],
    ["status an object", { attributes: [attr("uuid", "u")], status: { group: "identity", verified: true } }],
    ["status a string", { attributes: [attr("uuid", "u")], status: "verified" }],
  ])("body %s → userinfo_malformed", (_label, value) => {
    expectCode(() => parseUserinfoJson(value), "userinfo_malformed");
  });

  it.each([
    ["no attributes", {}],
    ["empty attributes", { attributes: [] }],
    ["null attributes", { attributes: null }],
    ["uuid null", body([attr("uuid", null)])],
    ["uuid empty", body([attr("uuid", "")])],
    ["uuid whitespace", body([attr("uuid", "   ")])],
    ["uuid boolean", body([attr("uuid", true)])],
    ["uuid object", body([attr("uuid", { id: 1 })])],
    ["uuid under another case", body([attr("UUID", "x")])],
  ])("%s → userinfo_uuid_missing", (_label, value) => {
    expectCode(() => parseUserinfoJson(value), "userinfo_uuid_missing");
  });

  it("a numeric uuid becomes a string", () => {
    const p = parseUserinfoJson(body([attr("uuid", 123456789)]));
    expect(p.uuid).toBe("123456789");
    expect(p.normalized.uuid).toBe("123456789");
    expect(p.attributes["uuid"]).toBe(123456789);
  });

  it("a null uuid followed by a real one takes the real one", () => {
    expect(parseUserinfoJson(body([attr("uuid", null), attr("uuid", "real")])).uuid).toBe("real");
  });

  it("error messages do not contain values", () => {
    const err = expectCode(() => parseUserinfoJson({ attributes: [attr("social", "123-45-6789")], status: "bad" }), "userinfo_malformed");
    expect(err.message).not.toContain("123-45");
    expect(err.message).not.toContain("bad");
  });
});

describe("parseUserinfoClaims (OIDC, flat claims)", () => {
  const claims = {
    iss: "https://api.idmelabs.com/oidc",
    sub: "d733a89e2e634f04ac2fe66c97f71612",
    aud: "client-id",
    exp: 1_740_000_300,
    iat: 1_740_000_000,
    nonce: "n-0S6_WzA2Mj",
    fname: "Zoë-Anne",
    lname: "Núñez-O'Brien",
    email: "zoe@example.com",
    uuid: "d733a89e2e634f04ac2fe66c97f71612",
    zip: 21219,
    social: "123456789",
    birth_date: "1990-02-03",
    credential_aal: 2,
    verified: true,
    street: null,
    address: { street_address: "x" },
  };

  it("reads flat attributes without a status claim", () => {
    const p = parseUserinfoClaims(claims);
    expect(p.uuid).toBe("d733a89e2e634f04ac2fe66c97f71612");
    expect(p.normalized).toEqual({
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      givenName: "Zoë-Anne",
      familyName: "Núñez-O'Brien",
      email: "zoe@example.com",
      zip: "21219",
      birthDate: "1990-02-03",
    });
    expect(p.groups).toEqual([]);
    expect(p.identityVerified).toBe(false);
  });

  it("keeps scalar non-protocol claims as attributes with their types", () => {
    const p = parseUserinfoClaims(claims);
    expect(p.attributes).toEqual({
      fname: "Zoë-Anne",
      lname: "Núñez-O'Brien",
      email: "zoe@example.com",
      uuid: "d733a89e2e634f04ac2fe66c97f71612",
      zip: 21219,
      social: "123456789",
      birth_date: "1990-02-03",
      credential_aal: 2,
      verified: true,
      street: null,
    });
    expect(JSON.stringify(p.normalized)).not.toContain("123456789");
  });

  it("reads a status claim of the same array shape", () => {
    const p = parseUserinfoClaims({
      ...claims,
      status: [
        { group: "identity", subgroups: ["IAL2"], verified: true },
        { group: "military", subgroups: [null], verified: "true" },
      ],
    });
    expect(p.groups).toEqual([
      { group: "identity", subgroups: ["IAL2"], verified: true },
      { group: "military", subgroups: [], verified: false },
    ]);
    expect(p.identityVerified).toBe(true);
    expect(groupVerified(p, "military")).toBe(false);
    expect(p.attributes["status"]).toBeUndefined();
  });

  it("falls back to sub for the uuid", () => {
    const { uuid: _u, ...noUuid } = claims;
    expect(parseUserinfoClaims(noUuid).uuid).toBe(claims.sub);
    expect(parseUserinfoClaims({ ...noUuid, uuid: null }).uuid).toBe(claims.sub);
    expect(parseUserinfoClaims({ ...noUuid, uuid: "" }).uuid).toBe(claims.sub);
    expect(parseUserinfoClaims({ ...claims, uuid: "other", sub: "s" }).uuid).toBe("other");
    expect(parseUserinfoClaims({ sub: "only-sub" }).normalized).toEqual({ uuid: "only-sub" });
  });

  it("numeric uuid claim becomes a string", () => {
    expect(parseUserinfoClaims({ uuid: 42 }).uuid).toBe("42");
  });

  it("no uuid and no sub → userinfo_uuid_missing", () => {
    expectCode(() => parseUserinfoClaims({ fname: "A" }), "userinfo_uuid_missing");
    expectCode(() => parseUserinfoClaims({ uuid: "", sub: "" }), "userinfo_uuid_missing");
    expectCode(() => parseUserinfoClaims({ uuid: false, sub: null }), "userinfo_uuid_missing");
  });

  it("malformed claims or status → userinfo_malformed", () => {
    expectCode(() => parseUserinfoClaims(null as unknown as Record<string, unknown>), "userinfo_malformed");
    expectCode(() => parseUserinfoClaims([] as unknown as Record<string, unknown>), "userinfo_malformed");
    expectCode(() => parseUserinfoClaims({ ...claims, status: 3 }), "userinfo_malformed");
    expectCode(() => parseUserinfoClaims({ ...claims, status: "verified" }), "userinfo_malformed");
  });

  it("JSON and claims styles normalise to the same record", () => {
    const fromJson: ParsedUserinfo = parseUserinfoJson({
      attributes: [
        attr("fname", "Zoë-Anne"),
        attr("lname", "Núñez-O'Brien"),
        attr("email", "zoe@example.com"),
        attr("uuid", "d733a89e2e634f04ac2fe66c97f71612"),
        attr("zip", 21219),
        attr("birth_date", "1990-02-03"),
      ],
    });
    expect(parseUserinfoClaims(claims).normalized).toEqual(fromJson.normalized);
  });
});
