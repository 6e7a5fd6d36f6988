import { describe, expect, it } from "vitest";
import { attemptSummary, maskAuth0UserId, scrubText, type SummaryAttempt, type SummaryEvent } from "./summary";
import { explain } from "./explanations";

/**
 * The troubleshooting summary support copies into a ticket: everything needed
 * to act (code, explanation, next step, timeline), nothing personal, and the
 * Auth0 user id masked for support.
 */

const PERSONAL = {
  givenName: "Margarethe",
  familyName: "Oyelaran-Kowalczyk",
  email: "margarethe.oyelaran@example.test",
  birthDate: "1984-07-23",
  phone: "+1 (555) 867-5309",
  street: "221B Baker Street",
  zip: "90210",
};

// An attempt as a careless caller might pass it: with a record's opened data and the provider's raw answer attached.
const attempt = {
  referenceCode: "IDV-7K3M-Q9XZ",
  status: "failed",
  returnStatus: "failed",
  createdAt: new Date("2026-03-10T14:10:00.000Z"),
  resumedAt: new Date("2026-03-10T14:12:09.000Z"),
  auth0UserId: "auth0|64b7f0e2c1a9d3e5f7a9b118",
  auth0ClientId: "app-bank",
  applicationName: "Sample Bank",
  provider: "idme",
  policy: "identity",
  failureStep: "result",
  failureCode: "identity_not_verified",
  attributes: PERSONAL,
  rawUserinfo: { fname: PERSONAL.givenName, lname: PERSONAL.familyName, email: PERSONAL.email, birth_date: PERSONAL.birthDate },
  record: { attributes: PERSONAL },
  oauthState: "secret-oauth-state",
  nonce: "secret-nonce",
  codeVerifier: "secret-pkce-verifier",
  auth0State: "secret-auth0-state",
} as SummaryAttempt & Record<string, unknown>;

const events: SummaryEvent[] = [
  {
    step: "result",
    outcome: "error",
    errorCode: "identity_not_verified",
    errorDescription: "the provider did not report the person's identity as verified",
    at: new Date("2026-03-10T14:12:08.000Z"),
  },
  {
    step: "token_received",
    outcome: "ok",
    errorCode: null,
    errorDescription: "token checked for application app-bank",
    at: new Date("2026-03-10T14:10:00.000Z"),
  },
  {
    step: "sent_to_provider",
    outcome: "ok",
    errorCode: null,
    errorDescription: "to https://api.idmelabs.com with scopes openid http://idmanagement.gov/ns/assurance/ial/2/aal/2",
    at: new Date("2026-03-10T14:10:02.000Z"),
  },
  {
    step: "returned",
    outcome: "ok",
    errorCode: null,
    // A provider's free text that echoes personal data: it must not come out.
    errorDescription: `code received for ${PERSONAL.email}, born ${PERSONAL.birthDate}, phone ${PERSONAL.phone}, token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.sig`,
    at: new Date("2026-03-10T14:11:30.000Z"),
  },
  {
    step: "interval_check",
    outcome: "info",
    errorCode: null,
    errorDescription: "last successful check 2026-02-01T10:00:00.000Z is outside the 24 h interval",
    at: new Date("2026-03-10T14:10:01.000Z"),
  },
];

describe("attempt summary", () => {
  const explanation = explain("identity_not_verified");
  const forSupport = attemptSummary(attempt, events, explanation, "support");
  const forAdmin = attemptSummary(attempt, events, explanation, "admin");

  it("has the reference code, time, application, step, code, explanation and next step", () => {
    expect(forSupport).toContain("Reference code: IDV-7K3M-Q9XZ");
    expect(forSupport).toContain("Time: 2026-03-10 14:10:00 UTC");
    expect(forSupport).toContain("Application: Sample Bank (client app-bank)");
    expect(forSupport).toContain("Step: result");
    expect(forSupport).toContain("Code: identity_not_verified");
    expect(forSupport).toContain(`What happened: ${explanation!.what}`);
    expect(forSupport).toContain(`Next step: ${explanation!.next}`);
    expect(forSupport).toContain("Who can fix it: the person themselves");
  });

  it("has the timeline in time order, with the portal's own descriptions", () => {
    const timeline = forSupport.split("Timeline (UTC):\n")[1]!.split("\n");
    expect(timeline.map((l) => l.trim().split(/\s+/)[2])).toEqual([
      "token_received",
      "interval_check",
      "sent_to_provider",
      "returned",
      "result",
    ]);
    expect(forSupport).toContain(
      "2026-03-10 14:12:08  result  error  identity_not_verified – the provider did not report the person's identity as verified",
    );
    expect(forSupport).toContain("token checked for application app-bank");
    expect(forSupport).toContain("with scopes openid http://idmanagement.gov/ns/assurance/ial/2/aal/2");
    // Timestamps in the portal's descriptions are not mistaken for personal data.
    expect(forSupport).toContain("last successful check 2026-02-01T10:00:00.000Z is outside the 24 h interval");
  });

  it("contains no personal data, provider answer or protocol secret, whatever the caller passed", () => {
    for (const text of [forSupport, forAdmin]) {
      for (const value of [
        ...Object.values(PERSONAL),
        "Margarethe",
        "Oyelaran",
        "Kowalczyk",
        "867-5309",
        "1984",
        "Baker",
        "eyJhbGciOiJIUzI1NiJ9",
        "secret-",
      ]) {
        expect(text, value).not.toContain(value);
      }
      expect(text).not.toMatch(/@example\.test/);
      expect(text).toContain("[email]");
      expect(text).toContain("[date]");
      expect(text).toContain("[number]");
      expect(text).toContain("[token]");
    }
  });

  it("masks the Auth0 user id for support, shows it to admins", () => {
    expect(forSupport).toContain("Auth0 user: auth0|64b…18");
    expect(forSupport).not.toContain("64b7f0e2c1a9d3e5f7a9b118");
    expect(forAdmin).toContain("Auth0 user: auth0|64b7f0e2c1a9d3e5f7a9b118");
  });

  it("reads well without an application, a code or events", () => {
    const bare = attemptSummary(
      {
        referenceCode: "IDV-0000-0001",
        status: "error",
        createdAt: new Date("2026-03-10T00:00:00Z"),
        failureCode: "token_expired",
        failureStep: "token_received",
      },
      [],
      explain("token_expired"),
      "support",
    );
    expect(bare).toContain("Application: — (none named");
    expect(bare).toContain("Auth0 user: — (not known)");
    expect(bare).toContain("(no events recorded)");
    expect(bare).toContain("not returned to Auth0");
    const unknown = attemptSummary(
      { referenceCode: "IDV-0000-0002", status: "error", createdAt: new Date(), failureCode: "something_new" },
      [],
      null,
      "support",
    );
    expect(unknown).toContain("no explanation is known");
  });
});

describe("masking and scrubbing", () => {
  it("masks Auth0 user ids of every shape", () => {
    expect(maskAuth0UserId("auth0|64b7f0e2c1a9d3e5f7a9b118")).toBe("auth0|64b…18");
    expect(maskAuth0UserId("google-oauth2|109876543210987654321")).toBe("google-oauth2|109…21");
    expect(maskAuth0UserId("samlp|corp|jane.doe@corp.example")).toBe("samlp|corp|jan…le");
    expect(maskAuth0UserId("auth0|abc")).toBe("auth0|…");
    expect(maskAuth0UserId("auth0|abcdef")).toBe("auth0|a…f");
    expect(maskAuth0UserId("noprefixuserid123")).toBe("nop…23");
    expect(maskAuth0UserId(null)).toBe("—");
  });

  it("scrubs emails, dates of birth, long numbers and tokens, and keeps the rest", () => {
    expect(scrubText("provider said access_denied: jane@example.com refused")).toBe("provider said access_denied: [email] refused");
    expect(scrubText("born 23/07/1984")).toBe("born [date]");
    expect(scrubText("ssn 123-45-6789 and card 4111 1111 1111 1111")).toBe("ssn [number] and card [number]");
    expect(scrubText("timed out after 10000 ms")).toBe("timed out after 10000 ms");
    expect(scrubText("x".repeat(500)).length).toBe(240);
  });
});
