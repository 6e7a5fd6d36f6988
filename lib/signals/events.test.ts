import { describe, expect, it } from "vitest";
import { REVOKING_EVENTS, VERIFICATION_EVENT, eventLabel, providerUuidOf } from "./events";

const ISSUER = "https://api.id.me/oidc";

describe("which provider account a SET's subject names", () => {
  it("iss_sub issued by the transmitter itself, or opaque", () => {
    expect(providerUuidOf({ format: "iss_sub", iss: ISSUER, sub: "abc" }, ISSUER)).toBe("abc");
    expect(providerUuidOf({ format: "opaque", id: "abc" }, ISSUER)).toBe("abc");
  });

  it("nothing for another issuer's subject, an email, a phone number or garbage: no guessing", () => {
    expect(providerUuidOf({ format: "iss_sub", iss: "https://other.example", sub: "abc" }, ISSUER)).toBeNull();
    expect(providerUuidOf({ format: "email", email: "a@example.test" }, ISSUER)).toBeNull();
    expect(providerUuidOf({ format: "phone_number", phone_number: "+15550100" }, ISSUER)).toBeNull();
    expect(providerUuidOf({ format: "iss_sub", iss: ISSUER, sub: "" }, ISSUER)).toBeNull();
    expect(providerUuidOf("abc", ISSUER)).toBeNull();
    expect(providerUuidOf(null, ISSUER)).toBeNull();
  });
});

describe("event labels staff read", () => {
  it("names the events the portal acts on, the stream check, and shortens other RISC/SSF types", () => {
    expect(Object.keys(REVOKING_EVENTS).map(eventLabel)).toEqual(["account disabled", "account purged", "credential compromised"]);
    expect(eventLabel(VERIFICATION_EVENT)).toBe("stream verification");
    expect(eventLabel("https://schemas.openid.net/secevent/risc/event-type/recovery-activated")).toBe("recovery-activated");
    expect(eventLabel("urn:example:custom")).toBe("urn:example:custom");
  });
});
