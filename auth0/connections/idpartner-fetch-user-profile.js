/**
 * IDPartner → Auth0: the "Fetch User Profile Script" of an Auth0 custom social connection
 * (seed 003; PROTOCOLS §5). Paste this whole file into the connection's
 * "Fetch User Profile Script" field. It is one plain function: no require(), no modules.
 *
 * SETUP
 *   IDPartner console (https://console.idpartner.com): Applications → "+ Add Sandbox application",
 *     authentication method "client_secret_basic", origin URL
 *     https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth, redirect URL
 *     https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/callback; note client_id / client_secret.
 *   Auth0 Dashboard: Authentication → Social → Create Connection → Create Custom:
 *     Authorization URL  https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/auth
 *     Token URL          https://auth-api.idpartner.com/oidc-proxy/proxy/auth0/token
 *     Scope              openid email profile      ("Separate scopes using a space": on)
 *     Client ID / Client Secret: IDPartner's
 *     Fetch User Profile Script: this file
 *   Then turn on "Sync user profile attributes at each login" and enable the connection for
 *   the applications that should offer it.
 *   For a rehearsal without IDPartner: `tsx sandbox/idpartner/server.ts --port 4021` runs a
 *   stand-in with the same paths under http://127.0.0.1:4021 (Auth0 must be able to reach it,
 *   e.g. through a tunnel and --public-url).
 *
 * WHAT IT READS
 *   Only the ID token that IDPartner's token endpoint returned (Auth0 passes it as
 *   `context.id_token`). The access token is not used: no userinfo call is made.
 *   The payload is decoded, not signature-checked. That is sound here because Auth0 itself
 *   fetched the token straight from IDPartner's token endpoint, over TLS, authenticated with
 *   the client secret; OpenID Connect Core §3.1.3.7 allows TLS server validation in place of
 *   the signature check for an ID token received that way. (Auth0 does not hand the script
 *   IDPartner's keys; if the token ever arrives by another path, this reasoning no longer holds.)
 *
 * "BANK VERIFIED"
 *   Our reading of IDPartner's "bank identity data", modelled on OpenID Connect for Identity
 *   Assurance: the person counts as bank-verified only when the ID token carries
 *   `verified_claims` (an object or an array of them) with a non-empty
 *   `verification.trust_framework` AND an evidence entry
 *   `{ type: "electronic_record", record: { type: "bank_account", … } }`.
 *   The exact claim names IDPartner uses must be checked against a real IDPartner tenant.
 *   The portal (lib/idpartner/profile.ts) applies the same rule.
 *
 * WHAT IT RETURNS (the Auth0 profile)
 *   user_id          IDPartner's `sub` (Auth0 stores the user as oauth2|<connection>|<sub>)
 *   email, email_verified, given_name, family_name, name
 *                    given/family names are the bank-verified ones when there are some
 *   idv_provider     "idpartner"
 *   idv_bank_verified        true / false
 *   idv_trust_framework, idv_verified_at, idv_evidence   only when bank-verified
 *   The idv_* attributes are meant for app_metadata: a post-login Action can copy them there
 *   (e.g. api.user.setAppMetadata("idv_bank_verified", event.user.idv_bank_verified)).
 *   Never returned: address, birth date, phone number, the bank's name, the verified_claims
 *   object itself. Those stay with IDPartner (or the portal), not in every Auth0 profile.
 *
 * ERRORS
 *   No ID token, a token that cannot be decoded, no `sub`, or a token expired more than five
 *   minutes ago: callback(new Error(…)), and Auth0 fails the login. Messages carry no
 *   personal data.
 */
// eslint-disable-next-line @typescript-eslint/no-unused-vars -- Auth0 calls this function by name
function fetchUserProfile(accessToken, context, callback) {
  var BANK_RECORD_TYPES = ["bank_account"];
  var CLOCK_SKEW_SECONDS = 300;

  function isObject(value) {
    return typeof value === "object" && value !== null && !Array.isArray(value);
  }

  function text(value) {
    if (typeof value !== "string") return undefined;
    var cleaned = value.trim().normalize("NFC");
    return cleaned === "" ? undefined : cleaned;
  }

  function decodePayload(jwt) {
    if (typeof jwt !== "string") throw new Error("IDPartner returned no ID token (is the scope 'openid email profile'?)");
    var parts = jwt.split(".");
    if (parts.length !== 3 || !/^[A-Za-z0-9_-]+$/.test(parts[1])) throw new Error("IDPartner's ID token is not a JWT");
    var base64 = parts[1].replace(/-/g, "+").replace(/_/g, "/");
    var json;
    try {
      json = JSON.parse(Buffer.from(base64, "base64").toString("utf8"));
    } catch (e) {
      throw new Error("IDPartner's ID token payload is not JSON");
    }
    if (!isObject(json)) throw new Error("IDPartner's ID token payload is not a JSON object");
    return json;
  }

  /** The first verified_claims entry with a trust framework and bank evidence, or null. */
  function bankVerification(claims) {
    var raw = claims.verified_claims;
    var entries = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : [];
    for (var i = 0; i < entries.length; i++) {
      var entry = entries[i];
      if (!isObject(entry) || !isObject(entry.verification)) continue;
      var v = entry.verification;
      var trustFramework = text(v.trust_framework);
      if (!trustFramework || !Array.isArray(v.evidence)) continue;
      var bank = v.evidence.some(function (e) {
        return isObject(e) && e.type === "electronic_record" && isObject(e.record) && BANK_RECORD_TYPES.indexOf(e.record.type) !== -1;
      });
      if (!bank) continue;
      return {
        trustFramework: trustFramework,
        time: text(v.time),
        claims: isObject(entry.claims) ? entry.claims : {},
      };
    }
    return null;
  }

  var profile;
  try {
    var claims = decodePayload(context && context.id_token);
    var sub = claims.sub;
    if (typeof sub !== "string" || sub.trim() === "") throw new Error("IDPartner's ID token has no sub");
    if (typeof claims.exp === "number" && claims.exp + CLOCK_SKEW_SECONDS < Math.floor(Date.now() / 1000)) {
      throw new Error("IDPartner's ID token has expired");
    }

    var verification = bankVerification(claims);
    var vc = verification ? verification.claims : {};
    var givenName = text(vc.given_name) || text(claims.given_name);
    var familyName = text(vc.family_name) || text(claims.family_name);
    var name = [givenName, familyName].filter(Boolean).join(" ") || text(claims.name);
    var email = text(claims.email);

    profile = { user_id: sub };
    if (email) {
      profile.email = email;
      profile.email_verified = claims.email_verified === true;
    }
    if (givenName) profile.given_name = givenName;
    if (familyName) profile.family_name = familyName;
    if (name) profile.name = name;
    profile.idv_provider = "idpartner";
    profile.idv_bank_verified = verification !== null;
    if (verification) {
      profile.idv_trust_framework = verification.trustFramework;
      if (verification.time) profile.idv_verified_at = verification.time;
      profile.idv_evidence = "bank_account";
    }
  } catch (err) {
    return callback(err instanceof Error ? err : new Error(String(err)));
  }
  return callback(null, profile);
}
