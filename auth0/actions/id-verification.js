/**
 * Identity verification — Auth0 post-login Action for the self-hosted ID verification portal.
 *
 * Paste this file as it is into a post-login Action (Node 22 runtime). It needs no npm
 * dependencies.
 *
 * WHAT IT DOES
 *   On every login it checks whether the user has a still-valid identity verification
 *   (stored in app_metadata by an earlier run of this Action). If so it adds the result
 *   to the ID token and the login goes on. If not, it sends the user to the portal
 *   (https://<portal>/id-verification?token=<signed token>&state=<Auth0 state>), and when
 *   the portal sends the user back to Auth0's /continue endpoint it reads the portal's
 *   signed answer, stores the (non-personal) result and adds the claims.
 *
 *   Applications can require verification: set the Application metadata key
 *   IDV_REQUIRED to "true" and every login to that application needs a valid
 *   verification, or it fails with one of the error codes below. Without IDV_REQUIRED
 *   the login always goes on; the status claim tells the application what happened.
 *   Optional Application metadata IDV_GROUP (e.g. "military"): for that application a
 *   verification only counts when its verified community groups include this group.
 *
 * SETTINGS (read from the Action's Secrets first, then from its Configuration)
 *   TOKEN_SECRET                       Token Secret. The shared secret for the tokens
 *                                      exchanged with the portal (HS256). Same value as the
 *                                      portal's Auth0 token secret. Required.
 *   PORTAL_DOMAIN                      Portal Domain. A host such as verify.example.com
 *                                      (https is used), or a full http(s) origin such as
 *                                      http://127.0.0.1:3000 for a local stand-in. No path.
 *                                      Required.
 *   VERIFICATION_EXPIRES_IN_SECONDS    Verification Expires In Seconds. How long (a whole
 *                                      number of seconds, > 0) a successful verification
 *                                      stays valid. Required.
 *   CLAIM_NAMESPACE                    Optional prefix of the claim names. Default
 *                                      "https://id-verification/". An http(s) namespace
 *                                      without a trailing "/" gets one.
 *   A missing or invalid setting is a configuration error: logins to applications with
 *   IDV_REQUIRED=true are denied with idv_configuration_error; all other logins go on
 *   quietly with no verification claims at all.
 *
 * ID TOKEN CLAIMS (<ns> = CLAIM_NAMESPACE)
 *   <ns>status      "valid" when the user has a valid verification (for this application).
 *                   Otherwise, only on logins that do not require verification:
 *                     "skipped"            non-interactive login (e.g. refresh-token
 *                                          exchange), so no verification could be run;
 *                     "failed" | "declined" | "error" | ...
 *                                          the portal's own status word (a bad or expired
 *                                          answer from the portal counts as "failed");
 *                     "revoked"            the portal revoked the verification;
 *                     "expired"            the portal answered with a check older than
 *                                          VERIFICATION_EXPIRES_IN_SECONDS;
 *                     "group_not_verified" the check succeeded but lacks IDV_GROUP.
 *                   Anything other than "valid" (or no claim) means "not verified".
 *   <ns>last-check  ISO 8601 time of the last successful check (only with "valid").
 *   <ns>id          The portal's id for this person (only with "valid").
 *
 * APP_METADATA (no personal data, only results)
 *   app_metadata.id_verification = {
 *     id:                  the portal's id for the person (sent back to the portal next time),
 *     lastSuccessfulCheck: ISO 8601 time of the last successful check,
 *     groups:              verified community groups, e.g. ["military"],
 *     provider:            verification provider named by the portal, e.g. "idme",
 *     policy:              verification policy named by the portal, e.g. "identity"
 *   }
 *   A revoked verification keeps id (and provider/policy) but loses lastSuccessfulCheck
 *   and groups. A failed, declined or errored attempt leaves the stored value alone.
 *
 * ERROR CODES (api.access.deny; the application gets them in error_description;
 * only for applications with IDV_REQUIRED=true)
 *   idv_verification_failed   the verification failed, was declined, errored, was
 *                             revoked, or the portal's answer could not be validated.
 *   idv_interaction_required  no valid verification and the login cannot show pages
 *                             (non-interactive flow such as a refresh-token exchange).
 *   idv_configuration_error   the Action is missing a setting or a setting is invalid.
 *
 * REVOCATION
 *   While a stored check is still valid, the Action asks the portal
 *   (GET <portal>/api/verification/status, Bearer token made with the Token Secret,
 *   3-second timeout) whether it still stands. "revoked" clears the stored check and
 *   the user verifies again; if the portal cannot be reached the stored check is used.
 *
 * TOKENS
 *   To the portal (query parameter "token", 10 minutes, made by api.redirect.encodeToken):
 *     iss = Auth0 domain, sub = Auth0 user id, iat, exp, plus
 *     id (the portal's id from a previous check, when known), client_id (this
 *     application's client id), required (true when IDV_REQUIRED=true).
 *   From the portal (form field "token" on /continue, read by api.redirect.validateToken):
 *     state, sub (the portal's id), status ("success" | "failed" | "declined" | "error" |
 *     "revoked"), iat (time of the check), exp, iss, and on success groups, provider, policy.
 *     required: true when the portal's own settings require verification for this
 *     application; the login is then treated as IDV_REQUIRED=true.
 */
"use strict";

const DEFAULT_CLAIM_NAMESPACE = "https://id-verification/";
const METADATA_KEY = "id_verification";
const PORTAL_PATH = "/id-verification";
const TOKEN_PARAMETER = "token";
const REDIRECT_TOKEN_EXPIRES_IN_SECONDS = 600;
const STATUS_PATH = "/api/verification/status";
const STATUS_TIMEOUT_MS = 3000;
/** A stored check further in the future than this is not trusted. */
const CLOCK_SKEW_MS = 60 * 1000;

const ERROR_VERIFICATION_FAILED = "idv_verification_failed";
const ERROR_INTERACTION_REQUIRED = "idv_interaction_required";
const ERROR_CONFIGURATION = "idv_configuration_error";

/** Status words the portal may not use for a failure: they would read as success. */
const RESERVED_STATUS_WORDS = ["valid", "success", "skipped"];

// ---------------------------------------------------------------------------
// Settings

function rawSetting(event, name) {
  const sources = [event && event.secrets, event && event.configuration];
  for (const source of sources) {
    if (source && typeof source[name] === "string" && source[name].trim() !== "") return source[name];
  }
  return undefined;
}

/** `verify.example.com` → `https://verify.example.com`; an http(s) origin is kept. */
function parsePortalOrigin(value) {
  if (typeof value !== "string") return undefined;
  const text = value.trim().replace(/\/+$/, "");
  if (text === "" || /[\s\\@?#%]/.test(text)) return undefined;
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  let url;
  try {
    url = new URL(hasScheme ? text : "https://" + text);
  } catch (err) {
    return undefined;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return undefined;
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") return undefined;
  if (url.pathname !== "/" && url.pathname !== "") return undefined;
  if (url.hostname === "") return undefined;
  return url.origin;
}

function parseExpiresIn(value) {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  if (!/^\d+$/.test(text)) return undefined;
  const seconds = Number(text);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) return undefined;
  return seconds;
}

function parseNamespace(value) {
  if (value === undefined) return DEFAULT_CLAIM_NAMESPACE;
  const text = value.trim();
  if (/^https?:\/\//i.test(text) && !text.endsWith("/")) return text + "/";
  return text;
}

/** Returns { ok: true, ... } or { ok: false, problems: [setting names] }. Never logs values. */
function readSettings(event) {
  const problems = [];
  const secret = rawSetting(event, "TOKEN_SECRET");
  if (secret === undefined) problems.push("TOKEN_SECRET");
  const portalDomain = rawSetting(event, "PORTAL_DOMAIN");
  const portalOrigin = parsePortalOrigin(portalDomain);
  if (portalOrigin === undefined) problems.push("PORTAL_DOMAIN");
  const expiresInSeconds = parseExpiresIn(rawSetting(event, "VERIFICATION_EXPIRES_IN_SECONDS"));
  if (expiresInSeconds === undefined) problems.push("VERIFICATION_EXPIRES_IN_SECONDS");
  const claimNamespace = parseNamespace(rawSetting(event, "CLAIM_NAMESPACE"));
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, secret, portalOrigin, expiresInSeconds, claimNamespace };
}

// ---------------------------------------------------------------------------
// Application metadata

function clientMetadata(event) {
  const metadata = event && event.client && event.client.metadata;
  return metadata && typeof metadata === "object" ? metadata : {};
}

function isRequired(event) {
  const value = clientMetadata(event).IDV_REQUIRED;
  return typeof value === "string" && value.trim().toLowerCase() === "true";
}

function requiredGroup(event) {
  const value = clientMetadata(event).IDV_GROUP;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return value.trim().toLowerCase();
}

// ---------------------------------------------------------------------------
// Stored verification

function isNonEmptyString(value) {
  return typeof value === "string" && value.trim() !== "";
}

function readStored(event) {
  const appMetadata = event && event.user && event.user.app_metadata;
  const stored = appMetadata && appMetadata[METADATA_KEY];
  return stored && typeof stored === "object" && !Array.isArray(stored) ? stored : undefined;
}

function normalizeGroups(value) {
  if (!Array.isArray(value)) return [];
  const groups = [];
  for (const item of value) {
    if (isNonEmptyString(item) && !groups.includes(item.trim())) groups.push(item.trim());
  }
  return groups;
}

function hasGroup(groups, group) {
  return normalizeGroups(groups).some((g) => g.toLowerCase() === group);
}

/** Why a stored verification does not count for this application, or null when it does. */
function invalidReason(stored, expiresInSeconds, group, nowMs) {
  if (!stored || !isNonEmptyString(stored.id) || typeof stored.lastSuccessfulCheck !== "string") return "missing";
  const last = Date.parse(stored.lastSuccessfulCheck);
  if (!Number.isFinite(last) || last > nowMs + CLOCK_SKEW_MS) return "missing";
  if (nowMs - last >= expiresInSeconds * 1000) return "expired";
  if (group !== undefined && !hasGroup(stored.groups, group)) return "group_not_verified";
  return null;
}

// ---------------------------------------------------------------------------
// Results

function setValidClaims(api, ns, stored) {
  api.idToken.setCustomClaim(ns + "status", "valid");
  api.idToken.setCustomClaim(ns + "last-check", stored.lastSuccessfulCheck);
  api.idToken.setCustomClaim(ns + "id", stored.id);
}

/** Not verified: deny when required, otherwise tell the application why. */
function notVerified(api, required, ns, statusWord) {
  if (required) api.access.deny(ERROR_VERIFICATION_FAILED);
  else api.idToken.setCustomClaim(ns + "status", statusWord);
}

/** The portal's failure word, when it is a plain short word that cannot read as success. */
function failureWord(status) {
  if (typeof status === "string" && /^[a-z][a-z0-9_-]{0,31}$/.test(status) && !RESERVED_STATUS_WORDS.includes(status)) {
    return status;
  }
  return "error";
}

function configurationProblem(api, required, problems) {
  // Setting names only, never values.
  console.log("id-verification: not configured (" + problems.join(", ") + ")" + (required ? "; login denied" : "; skipped"));
  if (required) api.access.deny(ERROR_CONFIGURATION);
}

/**
 * Asks the portal (server to server) whether a stored verification still stands:
 * support may have revoked it since. "valid" | "revoked" | "unknown". When the
 * portal cannot be asked, the stored check is used ("unknown"), so an outage of
 * the portal does not lock everyone out.
 */
async function portalStatus(api, settings, stored) {
  if (typeof fetch !== "function") return "unknown";
  try {
    const token = api.redirect.encodeToken({
      secret: settings.secret,
      expiresInSeconds: 60,
      payload: { id: stored.id, purpose: "status" },
    });
    const response = await fetch(settings.portalOrigin + STATUS_PATH, {
      headers: { authorization: "Bearer " + token, accept: "application/json" },
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
    });
    if (!response.ok) return "unknown";
    const body = await response.json();
    return body && body.status === "revoked" ? "revoked" : body && body.status === "valid" ? "valid" : "unknown";
  } catch (err) {
    console.log("id-verification: the portal's status could not be read; using the stored check");
    return "unknown";
  }
}

function clearCheck(api, stored) {
  const cleared = {};
  for (const key of Object.keys(stored)) {
    if (key !== "lastSuccessfulCheck" && key !== "groups") cleared[key] = stored[key];
  }
  cleared.groups = [];
  api.user.setAppMetadata(METADATA_KEY, cleared);
  return cleared;
}

// ---------------------------------------------------------------------------
// Handlers

exports.onExecutePostLogin = async (event, api) => {
  const required = isRequired(event);
  const settings = readSettings(event);
  if (!settings.ok) {
    configurationProblem(api, required, settings.problems);
    return;
  }
  const ns = settings.claimNamespace;
  let stored = readStored(event);

  if (invalidReason(stored, settings.expiresInSeconds, requiredGroup(event), Date.now()) === null) {
    if ((await portalStatus(api, settings, stored)) !== "revoked") {
      setValidClaims(api, ns, stored);
      return;
    }
    // Revoked at the portal: forget the check and verify again.
    stored = clearCheck(api, stored);
  }

  const canRedirect = typeof api.redirect.canRedirect === "function" ? api.redirect.canRedirect() : true;
  if (!canRedirect) {
    if (required) api.access.deny(ERROR_INTERACTION_REQUIRED);
    else api.idToken.setCustomClaim(ns + "status", "skipped");
    return;
  }

  const token = api.redirect.encodeToken({
    secret: settings.secret,
    expiresInSeconds: REDIRECT_TOKEN_EXPIRES_IN_SECONDS,
    payload: {
      id: stored && isNonEmptyString(stored.id) ? stored.id : undefined,
      client_id: event.client && event.client.client_id,
      required,
    },
  });
  api.redirect.sendUserTo(settings.portalOrigin + PORTAL_PATH, { query: { [TOKEN_PARAMETER]: token } });
};

exports.onContinuePostLogin = async (event, api) => {
  let required = isRequired(event);
  const settings = readSettings(event);
  if (!settings.ok) {
    configurationProblem(api, required, settings.problems);
    return;
  }
  const ns = settings.claimNamespace;

  let payload;
  try {
    payload = api.redirect.validateToken({ secret: settings.secret, tokenParameterName: TOKEN_PARAMETER });
  } catch (err) {
    // Bad signature, expired, wrong state, missing token: the portal's answer cannot be trusted.
    console.log("id-verification: the portal's answer was rejected");
    notVerified(api, required, ns, "failed");
    return;
  }
  payload = payload && typeof payload === "object" ? payload : {};
  // The portal can require verification for this application too (its own setting).
  if (payload.required === true) required = true;
  const status = payload.status;

  if (status === "success") {
    const iat = payload.iat;
    if (!isNonEmptyString(payload.sub) || typeof iat !== "number" || !Number.isFinite(iat)) {
      // A success without the person's id or the time of the check is not usable.
      notVerified(api, required, ns, "error");
      return;
    }
    const nowMs = Date.now();
    const record = {
      id: payload.sub,
      // A check "in the future" (portal clock ahead) is stored as now.
      lastSuccessfulCheck: new Date(Math.min(iat * 1000, nowMs)).toISOString(),
      groups: normalizeGroups(payload.groups),
    };
    if (isNonEmptyString(payload.provider)) record.provider = payload.provider;
    if (isNonEmptyString(payload.policy)) record.policy = payload.policy;
    api.user.setAppMetadata(METADATA_KEY, record);

    const reason = invalidReason(record, settings.expiresInSeconds, requiredGroup(event), nowMs);
    if (reason === null) setValidClaims(api, ns, record);
    else notVerified(api, required, ns, reason === "group_not_verified" ? reason : "expired");
    return;
  }

  if (status === "revoked") {
    const stored = readStored(event);
    if (stored) clearCheck(api, stored);
    notVerified(api, required, ns, "revoked");
    return;
  }

  notVerified(api, required, ns, failureWord(status));
};
