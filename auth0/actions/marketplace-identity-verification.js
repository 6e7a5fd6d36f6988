/**
 * Marketplace-style "Identity Verification Service" post-login Action (compatibility check).
 *
 * This is NOT the project's own Action (that is id-verification.js). It is written only
 * from the public description of Auth0's Marketplace "Identity Verification Service"
 * integration (seed 001, PROTOCOLS §1–2), and it shares no code with ours on purpose:
 * its tests show that the portal works with an Action that knows nothing about the
 * portal's extras (client_id, required, groups, provider, policy).
 *
 * Behaviour as described:
 *   - Sends the user to https://<SERVICE_TENANT_DOMAIN>/id-verification with query
 *     parameter `token` = api.redirect.encodeToken({ secret: TOKEN_SECRET,
 *     expiresInSeconds: 600, payload: { id } }), where id is the service's id for the
 *     person from a previous check (or undefined). Auth0 appends `state`.
 *     NOTE: seed 001 names the endpoint "/id-verfication" (a typo); the real path
 *     served by the portal, and used here, is "/id-verification".
 *   - On /continue reads the answer with api.redirect.validateToken({ secret,
 *     tokenParameterName: "token" }); status "success" counts as verified; it stores
 *     app_metadata.<NAMESPACE> = { id: <sub>, last_successful_check: <iat, ISO> } and
 *     compares the last successful check with VERIFICATION_EXPIRES_IN_SECONDS on the
 *     next logins.
 *   - ID token claims: https://id-verification/status ("valid"),
 *     https://id-verification/last-check, https://id-verification/id.
 *   - Errors (only when the application's metadata IDV_REQUIRED is "true"):
 *     idv_verification_failed, idv_interaction_required, idv_configuration_error.
 *     When not required, failures leave the login alone (no claims).
 *
 * Settings (Secrets, then Configuration): TOKEN_SECRET, SERVICE_TENANT_DOMAIN (a host
 * such as verify.example.com; a full http(s) URL is also accepted so the check can run
 * against a local portal), VERIFICATION_EXPIRES_IN_SECONDS.
 */
"use strict";

const NAMESPACE = "identity_verification_service";
const CLAIM_PREFIX = "https://id-verification/";

function setting(event, name) {
  const value = (event.secrets && event.secrets[name]) || (event.configuration && event.configuration[name]);
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

function config(event) {
  const secret = setting(event, "TOKEN_SECRET");
  const domain = setting(event, "SERVICE_TENANT_DOMAIN");
  const expires = Number(setting(event, "VERIFICATION_EXPIRES_IN_SECONDS"));
  if (!secret || !domain || !Number.isInteger(expires) || expires <= 0) return null;
  const base = /^https?:\/\//i.test(domain) ? domain.replace(/\/+$/, "") : "https://" + domain.replace(/\/+$/, "");
  return { secret, url: base + "/id-verification", expires };
}

function required(event) {
  return Boolean(event.client && event.client.metadata && event.client.metadata.IDV_REQUIRED === "true");
}

function stored(event) {
  const value = event.user && event.user.app_metadata && event.user.app_metadata[NAMESPACE];
  return value && typeof value === "object" ? value : {};
}

function setClaims(api, record) {
  api.idToken.setCustomClaim(CLAIM_PREFIX + "status", "valid");
  api.idToken.setCustomClaim(CLAIM_PREFIX + "last-check", record.last_successful_check);
  api.idToken.setCustomClaim(CLAIM_PREFIX + "id", record.id);
}

exports.onExecutePostLogin = async (event, api) => {
  const cfg = config(event);
  if (!cfg) {
    if (required(event)) api.access.deny("idv_configuration_error");
    return;
  }
  const record = stored(event);
  const last = Date.parse(record.last_successful_check);
  if (record.id && Number.isFinite(last) && Date.now() - last < cfg.expires * 1000) {
    setClaims(api, record);
    return;
  }
  if (!api.redirect.canRedirect()) {
    if (required(event)) api.access.deny("idv_interaction_required");
    return;
  }
  const token = api.redirect.encodeToken({
    secret: cfg.secret,
    expiresInSeconds: 600,
    payload: { id: record.id },
  });
  api.redirect.sendUserTo(cfg.url, { query: { token } });
};

exports.onContinuePostLogin = async (event, api) => {
  const cfg = config(event);
  if (!cfg) {
    if (required(event)) api.access.deny("idv_configuration_error");
    return;
  }
  let payload;
  try {
    payload = api.redirect.validateToken({ secret: cfg.secret, tokenParameterName: "token" });
  } catch (err) {
    payload = null;
  }
  if (payload && payload.status === "success" && payload.sub && typeof payload.iat === "number") {
    const record = { id: payload.sub, last_successful_check: new Date(payload.iat * 1000).toISOString() };
    api.user.setAppMetadata(NAMESPACE, record);
    setClaims(api, record);
    return;
  }
  if (required(event)) api.access.deny("idv_verification_failed");
};
