import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { formObject } from "../staff/guard";
import {
  applicationSchema,
  COMMUNITY_RULE,
  COVID_SCOPES,
  deleteApplicationSchema,
  fieldErrorsOf,
  formValues,
  groupFromScopes,
  IDENTITY_RULE,
  idmeConnectionSchema,
  idmeConnectionSchemaFor,
  IDENTITY_SCOPE,
  KNOWN_SCOPES,
  PROVIDER_SECRET_REQUIRED,
  providerConnectionSchema,
  providerConnectionSchemaFor,
  requirementProblems,
  resolveRequirements,
  settingsSchema,
} from "./schema";

/**
 * The rules an admin's input must meet, fed as the browser sends it: FormData
 * turned into an object the way the server action does (lib/staff/guard).
 */

type Entries = Record<string, string | string[] | undefined>;

function form(entries: Entries): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(entries)) for (const item of v === undefined ? [] : [v].flat()) fd.append(k, item);
  return fd;
}

function parse<S extends z.ZodType>(schema: S, entries: Entries): z.ZodSafeParseResult<z.output<S>> {
  const fd = form(entries);
  // The browser form validates what formValues makes, the server what formObject makes: the same object.
  expect(formValues(fd)).toEqual(formObject(fd));
  return schema.safeParse(formObject(fd));
}

function errorsOf(result: { success: boolean; error?: unknown }): Record<string, string[]> {
  expect(result.success).toBe(false);
  return fieldErrorsOf(result.error as Parameters<typeof fieldErrorsOf>[0]);
}

const goodSettings: Entries = {
  verificationType: "identity",
  scopes: ["openid", IDENTITY_SCOPE],
  scopesOther: "",
  requiredGroup: "",
  reverifyIntervalHours: "720",
  returnMethod: "post",
};

/** ID.me's connection: its own form (the global settings hold requirements only). */
const goodIdme: Entries = { environment: "sandbox", baseUrl: "", clientId: "idme-client-123", clientSecret: "" };

describe("settingsSchema and idmeConnectionSchema", () => {
  it("accepts the settings form as submitted and normalises it", () => {
    const r = parse(settingsSchema, goodSettings);
    expect(r.success).toBe(true);
    expect(r.data).toEqual({
      verificationType: "identity",
      scopes: ["openid", IDENTITY_SCOPE],
      requiredGroup: null,
      reverifyIntervalHours: 720,
      returnMethod: "post",
    });
    expect(parse(idmeConnectionSchema, goodIdme).data).toEqual({
      environment: "sandbox",
      baseUrl: null,
      clientId: "idme-client-123",
      clientSecret: null,
    });
  });

  it("a missing form (nothing submitted) names every required field", () => {
    const errors = errorsOf(parse(settingsSchema, {}));
    expect(Object.keys(errors).sort()).toEqual(["returnMethod", "reverifyIntervalHours", "scopes", "verificationType"]);
    expect(errors.scopes).toEqual(["Choose at least one scope."]);
    expect(Object.keys(errorsOf(parse(idmeConnectionSchema, {}))).sort()).toEqual(["clientId", "environment"]);
  });

  it("verification type: identity or community only", () => {
    expect(parse(settingsSchema, { ...goodSettings, verificationType: "community", scopes: "military" }).success).toBe(true);
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, verificationType: "kyc" })).verificationType).toEqual([
      "Choose identity or community verification.",
    ]);
  });

  it("environment: sandbox or production only", () => {
    expect(parse(idmeConnectionSchema, { ...goodIdme, environment: "production" }).data?.environment).toBe("production");
    expect(errorsOf(parse(idmeConnectionSchema, { ...goodIdme, environment: "staging" })).environment).toHaveLength(1);
  });

  it("base URL: optional http(s) override, trailing slash dropped; anything else refused", () => {
    expect(parse(idmeConnectionSchema, { ...goodIdme, baseUrl: "  http://127.0.0.1:4011/ " }).data?.baseUrl).toBe("http://127.0.0.1:4011");
    expect(parse(idmeConnectionSchema, { ...goodIdme, baseUrl: "https://api.idmelabs.com" }).data?.baseUrl).toBe(
      "https://api.idmelabs.com",
    );
    for (const bad of [
      "ftp://api.id.me",
      "api.id.me",
      "javascript:alert(1)",
      "https://user:pw@api.id.me",
      "https://api.id.me/?x=1",
      "https://api.id.me/#x",
    ]) {
      expect(errorsOf(parse(idmeConnectionSchema, { ...goodIdme, baseUrl: bad })).baseUrl, bad).toHaveLength(1);
    }
  });

  it("client id: required, trimmed, no spaces", () => {
    expect(parse(idmeConnectionSchema, { ...goodIdme, clientId: "  abc  " }).data?.clientId).toBe("abc");
    expect(errorsOf(parse(idmeConnectionSchema, { ...goodIdme, clientId: "   " })).clientId).toEqual([
      "Enter the client id from the ID.me developer portal.",
    ]);
    expect(errorsOf(parse(idmeConnectionSchema, { ...goodIdme, clientId: "ab cd" })).clientId).toEqual(["A client id has no spaces."]);
  });

  it("client secret: empty keeps the stored one (null); a new one is taken as typed", () => {
    expect(parse(idmeConnectionSchema, { ...goodIdme, clientSecret: "" }).data?.clientSecret).toBeNull();
    expect(parse(idmeConnectionSchema, { ...goodIdme, clientSecret: undefined }).data?.clientSecret).toBeNull();
    expect(parse(idmeConnectionSchema, { ...goodIdme, clientSecret: "n3w-$ecret" }).data?.clientSecret).toBe("n3w-$ecret");
    const errors = errorsOf(parse(idmeConnectionSchema, { ...goodIdme, clientSecret: "has space" }));
    expect(errors.clientSecret).toEqual(["A client secret has no spaces."]);
    expect(JSON.stringify(errors)).not.toContain("has space");
  });

  it("client secret: required while ID.me has none stored", () => {
    expect(errorsOf(parse(idmeConnectionSchemaFor(false), goodIdme)).clientSecret).toEqual([PROVIDER_SECRET_REQUIRED]);
    expect(parse(idmeConnectionSchemaFor(true), goodIdme).success).toBe(true);
  });

  it("scopes: checkboxes and free text (one per line) merge, duplicates dropped, order kept", () => {
    const r = parse(settingsSchema, {
      ...goodSettings,
      scopes: ["openid", IDENTITY_SCOPE, "military"],
      scopesOther: "email\r\n\n  military \nprofile\nopenid",
    });
    expect(r.data?.scopes).toEqual(["openid", IDENTITY_SCOPE, "military", "email", "profile"]);
    // A textarea posted under `scopes` itself works too.
    expect(parse(settingsSchema, { ...goodSettings, scopes: `openid\n${IDENTITY_SCOPE}` }).data?.scopes).toEqual([
      "openid",
      IDENTITY_SCOPE,
    ]);
  });

  it("scopes: each must be a plausible token (no spaces, no quotes, at most 200 characters)", () => {
    const errors = errorsOf(
      parse(settingsSchema, { ...goodSettings, scopesOther: `openid military\n"quoted"\nit's\nback\\slash\nmilitäry\n${"x".repeat(201)}` }),
    );
    expect(errors.scopes).toHaveLength(6);
    expect(errors.scopes![0]).toContain("put one scope per line");
    expect(parse(settingsSchema, { ...goodSettings, scopesOther: "x".repeat(200) }).success).toBe(true);
    // A forged checkbox value is checked as strictly as free text.
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, scopes: ["openid", IDENTITY_SCOPE, 'a"b'] })).scopes).toHaveLength(1);
  });

  it("scopes: at least one", () => {
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, scopes: undefined, scopesOther: " \n " })).scopes).toEqual([
      "Choose at least one scope.",
    ]);
  });

  it("identity needs the IAL2 scope; openid alone is refused with the reason", () => {
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, scopes: "openid" })).scopes).toEqual([IDENTITY_RULE]);
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, scopes: ["openid", "military"] })).scopes).toEqual([IDENTITY_RULE]);
    expect(IDENTITY_RULE).toMatch(/openid alone/);
    // Plain OAuth (no openid) with IAL2 is fine.
    expect(parse(settingsSchema, { ...goodSettings, scopes: IDENTITY_SCOPE }).success).toBe(true);
  });

  it("community needs a group scope, and the required group must be one of them", () => {
    const community = { ...goodSettings, verificationType: "community" };
    expect(errorsOf(parse(settingsSchema, { ...community, scopes: ["openid", IDENTITY_SCOPE, "email"] })).scopes).toEqual([COMMUNITY_RULE]);
    expect(errorsOf(parse(settingsSchema, { ...community, scopes: ["openid", ...COVID_SCOPES] })).scopes).toEqual([COMMUNITY_RULE]);
    const r = parse(settingsSchema, { ...community, scopes: ["openid", "military", "student"], requiredGroup: "student" });
    expect(r.data).toMatchObject({ verificationType: "community", requiredGroup: "student" });
    // Empty: the first group scope decides (stored as null).
    expect(parse(settingsSchema, { ...community, scopes: ["military"], requiredGroup: "" }).data?.requiredGroup).toBeNull();
    expect(
      errorsOf(parse(settingsSchema, { ...community, scopes: ["openid", "military"], requiredGroup: "teacher" })).requiredGroup![0],
    ).toContain("“teacher” is not among the requested scopes");
    expect(
      errorsOf(parse(settingsSchema, { ...community, scopes: ["openid", "military"], requiredGroup: "openid" })).requiredGroup![0],
    ).toContain("not a community group");
    expect(
      errorsOf(parse(settingsSchema, { ...community, scopes: ["openid", "military"], requiredGroup: "mil itary" })).requiredGroup![0],
    ).toContain("space");
  });

  it("the required group is ignored for identity verification", () => {
    expect(parse(settingsSchema, { ...goodSettings, requiredGroup: "military" }).data?.requiredGroup).toBeNull();
  });

  it("re-verification interval: whole hours from 0 (every login) to 8760", () => {
    expect(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: "0" }).data?.reverifyIntervalHours).toBe(0);
    expect(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: " 8760 " }).data?.reverifyIntervalHours).toBe(8760);
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: "8761" })).reverifyIntervalHours).toEqual([
      "At most 8760 hours (one year).",
    ]);
    for (const bad of ["-1", "1.5", "1e3", "abc", "24h"]) {
      expect(errorsOf(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: bad })).reverifyIntervalHours, bad).toEqual([
        "Enter a whole number of hours (0 or more).",
      ]);
    }
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: "" })).reverifyIntervalHours![0]).toContain(
      "0 = verify at every login",
    );
  });

  it("return method: post or get", () => {
    expect(parse(settingsSchema, { ...goodSettings, returnMethod: "get" }).data?.returnMethod).toBe("get");
    expect(errorsOf(parse(settingsSchema, { ...goodSettings, returnMethod: "put" })).returnMethod).toEqual(["Choose POST or GET."]);
  });

  it("field errors are reported together, each under its field", () => {
    const errors = errorsOf(parse(settingsSchema, { ...goodSettings, reverifyIntervalHours: "x", scopesOther: "a b" }));
    expect(Object.keys(errors).sort()).toEqual(["reverifyIntervalHours", "scopes"]);
    expect(Object.keys(errorsOf(parse(idmeConnectionSchema, { ...goodIdme, clientId: "", baseUrl: "nope" }))).sort()).toEqual([
      "baseUrl",
      "clientId",
    ]);
  });
});

const goodApp: Entries = {
  intent: "create",
  clientId: "AbC123xyz",
  name: "Sample Bank",
  policy: "inherit",
  requiredGroup: "",
  scopesOther: "",
  reverifyIntervalHours: "",
};

describe("applicationSchema", () => {
  it("an application that inherits everything", () => {
    const r = parse(applicationSchema, goodApp);
    expect(r.data).toEqual({
      intent: "create",
      clientId: "AbC123xyz",
      name: "Sample Bank",
      required: false,
      provider: null,
      policy: null,
      requiredGroup: null,
      scopes: [],
      reverifyIntervalHours: null,
    });
  });

  it("provider: the global one, ID.me or IDPartner; IDPartner verifies identity only", () => {
    expect(parse(applicationSchema, { ...goodApp, provider: "idpartner" }).data?.provider).toBe("idpartner");
    expect(parse(applicationSchema, { ...goodApp, provider: "inherit" }).data?.provider).toBeNull();
    expect(errorsOf(parse(applicationSchema, { ...goodApp, provider: "okta" })).provider).toHaveLength(1);
    expect(
      errorsOf(parse(applicationSchema, { ...goodApp, provider: "idpartner", policy: "community", scopes: ["military"] })).policy![0],
    ).toContain("IDPartner");
  });

  it("intent: create (default) or update", () => {
    expect(parse(applicationSchema, { ...goodApp, intent: undefined }).data?.intent).toBe("create");
    expect(parse(applicationSchema, { ...goodApp, intent: "update" }).data?.intent).toBe("update");
    expect(errorsOf(parse(applicationSchema, { ...goodApp, intent: "upsert" })).intent).toHaveLength(1);
  });

  it("client id: required, no spaces, visible ASCII, at most 128", () => {
    expect(errorsOf(parse(applicationSchema, { ...goodApp, clientId: "" })).clientId![0]).toContain("Auth0 client id");
    expect(errorsOf(parse(applicationSchema, { ...goodApp, clientId: "abc def" })).clientId).toEqual(["A client id has no spaces."]);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, clientId: "abcé" })).clientId).toEqual([
      "A client id has only visible ASCII characters.",
    ]);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, clientId: "a".repeat(129) })).clientId).toEqual(["At most 128 characters."]);
    expect(parse(applicationSchema, { ...goodApp, clientId: " sample-bank " }).data?.clientId).toBe("sample-bank");
  });

  it("name: required, at most 100 characters", () => {
    expect(errorsOf(parse(applicationSchema, { ...goodApp, name: "  " })).name).toEqual(["Enter a name staff will recognise."]);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, name: "n".repeat(101) })).name).toEqual(["At most 100 characters."]);
  });

  it('required: a checkbox ("on" when ticked, absent when not)', () => {
    expect(parse(applicationSchema, { ...goodApp, required: "on" }).data?.required).toBe(true);
    expect(parse(applicationSchema, { ...goodApp, required: undefined }).data?.required).toBe(false);
    expect(parse(applicationSchema, { ...goodApp, required: ["false", "true"] }).data?.required).toBe(true);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, required: "maybe" })).required).toEqual(["Must be ticked or not."]);
  });

  it("policy: inherit (or empty) means the global one; identity or community override it", () => {
    expect(parse(applicationSchema, { ...goodApp, policy: "" }).data?.policy).toBeNull();
    expect(parse(applicationSchema, { ...goodApp, policy: "identity" }).data?.policy).toBe("identity");
    expect(parse(applicationSchema, { ...goodApp, policy: "community", requiredGroup: "military" }).data).toMatchObject({
      policy: "community",
      requiredGroup: "military",
    });
    expect(errorsOf(parse(applicationSchema, { ...goodApp, policy: "both" })).policy).toHaveLength(1);
  });

  it("scopes override: empty inherits, otherwise the same token rules as the global scopes", () => {
    expect(parse(applicationSchema, { ...goodApp, scopes: ["openid", "military"], scopesOther: "student\nmilitary" }).data?.scopes).toEqual(
      ["openid", "military", "student"],
    );
    expect(errorsOf(parse(applicationSchema, { ...goodApp, scopesOther: "open id" })).scopes![0]).toContain("space");
  });

  it("its own policy and scopes must fit together: identity needs IAL2, community a group", () => {
    expect(errorsOf(parse(applicationSchema, { ...goodApp, policy: "identity", scopes: "openid" })).scopes).toEqual([IDENTITY_RULE]);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, policy: "community", scopes: ["openid", IDENTITY_SCOPE] })).scopes).toEqual([
      COMMUNITY_RULE,
    ]);
    expect(
      errorsOf(parse(applicationSchema, { ...goodApp, policy: "community", scopes: "military", requiredGroup: "student" }))
        .requiredGroup![0],
    ).toContain("not among the requested scopes");
    expect(parse(applicationSchema, { ...goodApp, policy: "community", scopes: "military", requiredGroup: "military" }).success).toBe(true);
  });

  it("a required group with the identity policy is refused; with an inherited policy it waits for the server's check", () => {
    expect(errorsOf(parse(applicationSchema, { ...goodApp, policy: "identity", requiredGroup: "military" })).requiredGroup![0]).toContain(
      "community verification only",
    );
    expect(parse(applicationSchema, { ...goodApp, policy: "inherit", requiredGroup: "military" }).success).toBe(true);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, requiredGroup: "fortified/covid/verify" })).requiredGroup![0]).toContain(
      "not a community group",
    );
  });

  it("re-verification interval override: empty inherits, else 0–8760 whole hours", () => {
    expect(parse(applicationSchema, { ...goodApp, reverifyIntervalHours: "0" }).data?.reverifyIntervalHours).toBe(0);
    expect(parse(applicationSchema, { ...goodApp, reverifyIntervalHours: "" }).data?.reverifyIntervalHours).toBeNull();
    expect(errorsOf(parse(applicationSchema, { ...goodApp, reverifyIntervalHours: "9000" })).reverifyIntervalHours).toHaveLength(1);
    expect(errorsOf(parse(applicationSchema, { ...goodApp, reverifyIntervalHours: "-5" })).reverifyIntervalHours).toHaveLength(1);
  });
});

describe("deleteApplicationSchema", () => {
  it("needs the client id", () => {
    expect(deleteApplicationSchema.safeParse(formObject(form({ clientId: " app-1 " }))).data).toEqual({ clientId: "app-1" });
    expect(deleteApplicationSchema.safeParse(formObject(form({}))).success).toBe(false);
  });
});

const goodConnection: Entries = { clientId: "idp-client-1", clientSecret: "", baseUrl: "" };

describe("providerConnectionSchema (IDPartner)", () => {
  it("accepts the connection form as submitted: empty secret and base URL are null", () => {
    expect(parse(providerConnectionSchema, goodConnection).data).toEqual({ clientId: "idp-client-1", clientSecret: null, baseUrl: null });
    expect(parse(providerConnectionSchema, { clientId: " idp-client-1 " }).data).toEqual({
      clientId: "idp-client-1",
      clientSecret: null,
      baseUrl: null,
    });
  });

  it("client id: required, trimmed, no spaces, at most 200 characters", () => {
    expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, clientId: "  " })).clientId).toEqual([
      "Enter the client id IDPartner gave you.",
    ]);
    expect(errorsOf(parse(providerConnectionSchema, {})).clientId).toHaveLength(1);
    expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, clientId: "ab cd" })).clientId).toEqual([
      "A client id has no spaces.",
    ]);
    expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, clientId: "a".repeat(201) })).clientId).toEqual([
      "At most 200 characters.",
    ]);
  });

  it("client secret: write-only like ID.me's; empty keeps the stored one, a new one is taken as typed and never echoed in errors", () => {
    expect(parse(providerConnectionSchema, { ...goodConnection, clientSecret: "n3w-$ecret" }).data?.clientSecret).toBe("n3w-$ecret");
    expect(parse(providerConnectionSchema, { ...goodConnection, clientSecret: undefined }).data?.clientSecret).toBeNull();
    const errors = errorsOf(parse(providerConnectionSchema, { ...goodConnection, clientSecret: "has space" }));
    expect(errors.clientSecret).toEqual(["A client secret has no spaces."]);
    expect(JSON.stringify(errors)).not.toContain("has space");
    expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, clientSecret: "s".repeat(501) })).clientSecret).toEqual([
      "At most 500 characters.",
    ]);
  });

  it("client secret: required when none is stored yet", () => {
    expect(errorsOf(parse(providerConnectionSchemaFor(false), goodConnection)).clientSecret).toEqual([PROVIDER_SECRET_REQUIRED]);
    expect(parse(providerConnectionSchemaFor(false), { ...goodConnection, clientSecret: "first-secret" }).data?.clientSecret).toBe(
      "first-secret",
    );
    expect(parse(providerConnectionSchemaFor(true), goodConnection).success).toBe(true);
    // Reported with the other fields' errors, once.
    expect(errorsOf(parse(providerConnectionSchemaFor(false), { ...goodConnection, clientId: "", baseUrl: "nope" }))).toEqual({
      clientId: [expect.any(String)],
      baseUrl: [expect.any(String)],
      clientSecret: [PROVIDER_SECRET_REQUIRED],
    });
    expect(errorsOf(parse(providerConnectionSchemaFor(false), { ...goodConnection, clientSecret: "a b" })).clientSecret).toEqual([
      "A client secret has no spaces.",
    ]);
  });

  it("base URL: optional http(s) URL, trailing slash dropped; anything else refused", () => {
    expect(parse(providerConnectionSchema, { ...goodConnection, baseUrl: " http://127.0.0.1:4012/ " }).data?.baseUrl).toBe(
      "http://127.0.0.1:4012",
    );
    expect(parse(providerConnectionSchema, { ...goodConnection, baseUrl: "https://auth-api.idpartner.com" }).data?.baseUrl).toBe(
      "https://auth-api.idpartner.com",
    );
    expect(parse(providerConnectionSchema, { ...goodConnection, baseUrl: "https://proxy.example.com/idpartner/" }).data?.baseUrl).toBe(
      "https://proxy.example.com/idpartner",
    );
    expect(parse(providerConnectionSchema, { ...goodConnection, baseUrl: "   " }).data?.baseUrl).toBeNull();
    for (const bad of [
      "ftp://auth-api.idpartner.com",
      "auth-api.idpartner.com",
      "javascript:alert(1)",
      "https://u:p@auth-api.idpartner.com",
      "https://x.test/?a=1",
      "https://x.test/#a",
      `https://x.test/${"a".repeat(500)}`,
    ]) {
      expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, baseUrl: bad })).baseUrl, bad).toHaveLength(1);
    }
  });

  it("base URL: the proxy paths are the portal's to append, not part of the base", () => {
    for (const bad of [
      "https://auth-api.idpartner.com/oidc-proxy",
      "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth",
      "https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/token",
    ]) {
      expect(errorsOf(parse(providerConnectionSchema, { ...goodConnection, baseUrl: bad })).baseUrl![0], bad).toContain(
        "/oidc-proxy/proxy/auth0/auth",
      );
    }
    expect(parse(providerConnectionSchema, { ...goodConnection, baseUrl: "https://x.test/oidc-proxyish" }).success).toBe(true);
  });
});

describe("what a login gets", () => {
  const global = {
    verificationType: "community" as const,
    scopes: ["openid", "military"],
    requiredGroup: "military",
    reverifyIntervalHours: 720,
  };
  const app = { name: "A", required: true, policy: null, requiredGroup: null, scopes: [] as string[], reverifyIntervalHours: null };

  it("overrides win, empty overrides inherit, an unregistered client id gets the global settings, not required", () => {
    expect(resolveRequirements(global, null)).toEqual({
      policy: "community",
      scopes: ["openid", "military"],
      requiredGroup: "military",
      intervalHours: 720,
      required: false,
      applicationName: null,
    });
    expect(resolveRequirements(global, app)).toMatchObject({
      policy: "community",
      scopes: ["openid", "military"],
      requiredGroup: "military",
      intervalHours: 720,
      required: true,
      applicationName: "A",
    });
    expect(resolveRequirements(global, { ...app, policy: "identity", scopes: [IDENTITY_SCOPE], reverifyIntervalHours: 0 })).toMatchObject({
      policy: "identity",
      scopes: [IDENTITY_SCOPE],
      requiredGroup: null,
      intervalHours: 0,
    });
    expect(resolveRequirements({ ...global, requiredGroup: null }, { ...app, scopes: ["email", "student"] }).requiredGroup).toBe("student");
  });

  it("the group of a set of scopes skips standard OIDC scopes and policy URLs", () => {
    expect(groupFromScopes(["openid", "email", "profile", IDENTITY_SCOPE, "teacher"])).toBe("teacher");
    expect(groupFromScopes(["openid", ...COVID_SCOPES])).toBeNull();
  });

  it("problems name the field to fix", () => {
    expect(requirementProblems({ policy: "identity", scopes: ["openid"], requiredGroup: null })).toEqual([
      { field: "scopes", message: IDENTITY_RULE },
    ]);
    expect(requirementProblems({ policy: "community", scopes: ["openid", "military"], requiredGroup: "student" })[0]?.field).toBe(
      "requiredGroup",
    );
    expect(requirementProblems({ policy: "community", scopes: ["military"], requiredGroup: null })).toEqual([]);
  });

  it("the offered scopes are the ones the brief names, all valid tokens", () => {
    const offered = KNOWN_SCOPES.map((k) => k.scope);
    expect(offered).toEqual(
      expect.arrayContaining([
        "openid",
        "military",
        "student",
        "teacher",
        "responder",
        "nurse",
        "government",
        "hospital_employee",
        IDENTITY_SCOPE,
        ...COVID_SCOPES,
      ]),
    );
    expect(new Set(offered).size).toBe(offered.length);
    expect(parse(settingsSchema, { ...goodSettings, verificationType: "community", scopes: offered }).success).toBe(true);
  });
});
