/**
 * Identity verification — Auth0 post-login Action for the self-hosted ID verification portal.
 *
 * Paste this file as it is into a post-login Action (Node 22 runtime). It needs no npm
 * dependencies.
 *
 * WHAT IT DOES
 *   The portal decides whether a person may use an application now (its policy, group,
 *   provider, re-verification interval and revocations); this Action asks it and acts on
 *   the answer:
 *   - On a login where the user holds a stored check (app_metadata, from an earlier run
 *     of this Action) or a stored portal id, and on every login that cannot show pages
 *     (refresh-token exchange, prompt=none, …), it asks the portal, server to server
 *     (GET <portal>/api/verification/status, see PORTAL STATUS below). "valid" lets the
 *     login go on with the verification claims; any other answer clears the stored
 *     check and sends the person to verify. The stored id follows the portal's id for
 *     this user (dropped when the portal has none), so a stale or foreign id is never
 *     sent on.
 *   - Otherwise it sends the user to the portal
 *     (https://<portal>/id-verification?token=<signed token>&state=<Auth0 state>), and
 *     when the portal sends the user back to Auth0's /continue endpoint it reads the
 *     portal's signed answer, checks that it is for this Auth0 user, stores the
 *     (non-personal) result and adds the claims.
 *
 *   Applications can require verification: set the Application metadata key
 *   IDV_REQUIRED to "true" and every login to that application needs a valid
 *   verification, or it fails with one of the error codes below. The portal can require
 *   it too (its application settings); either one is enough. Without a requirement the
 *   login always goes on; the status claim tells the application what happened.
 *   Optional Application metadata IDV_GROUP (e.g. "military"): for that application a
 *   verification only counts when its verified community groups include this group
 *   (on top of what the portal asks for).
 *   Application metadata IDV_SKIP = "true": this Action does nothing for that
 *   application (no verification, no claims, no call to the portal). Meant for the
 *   portal's own staff application, whose users run the portal and must never be sent
 *   through it.
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
 *                                      number of seconds, > 0) a stored check counts when
 *                                      the portal cannot be reached (see PORTAL STATUS).
 *                                      While the portal answers, its own interval decides.
 *                                      Required.
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
 *                                          answer from the portal, or one for another
 *                                          user, counts as "failed");
 *                     "revoked"            the portal revoked the verification;
 *                     "expired"            the stored check is older than
 *                                          VERIFICATION_EXPIRES_IN_SECONDS (only while the
 *                                          portal cannot be reached);
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
 *   A check the portal no longer counts (revoked, expired, not valid for the
 *   application) keeps id (and provider/policy) but loses lastSuccessfulCheck and groups.
 *   A failed, declined or errored attempt leaves the stored value alone.
 *
 * ERROR CODES (api.access.deny; the application gets them in error_description;
 * only when Auth0's IDV_REQUIRED or the portal requires verification)
 *   idv_verification_failed   the verification failed, was declined, errored, was
 *                             revoked, or the portal's answer could not be validated
 *                             or was not for this user. When the portal's answer names
 *                             its attempt, the description ends with it, e.g.
 *                             "idv_verification_failed (reference IDV-7K3M-Q9XZ)", so
 *                             the application can show the person the code support asks
 *                             for (an application that does not require verification
 *                             gets it in the "reference" claim next to "status").
 *   idv_interaction_required  no valid verification and the login cannot show pages
 *                             (non-interactive flow such as a refresh-token exchange).
 *   idv_configuration_error   the Action is missing a setting or a setting is invalid.
 *
 * PORTAL STATUS (the one answer to "may this person in, for this application, now")
 *   GET <portal>/api/verification/status with "Authorization: Bearer <token>" (a token
 *   made with the Token Secret: purpose "status", client_id, id), 3-second timeout.
 *   The portal answers { status, required, last_check, id, groups } for THIS Auth0 user
 *   and THIS application: status "valid" only when the user has a verification that
 *   satisfies the application's policy, group, provider and interval now; "revoked",
 *   "expired", "not_verified" or "none" otherwise. required: the portal's own
 *   requirement for the application.
 *   When the portal cannot be reached (network error, timeout, an error status, an
 *   answer that is not the JSON above), the Action falls back to Auth0's metadata and
 *   its stored check: the stored check counts while it is younger than
 *   VERIFICATION_EXPIRES_IN_SECONDS and has IDV_GROUP (when set), and only
 *   IDV_REQUIRED says whether verification is required. An outage of the portal thus
 *   locks out nobody with a recent check, and cannot let in anyone without one.
 *
 * TOKENS
 *   To the portal (query parameter "token", 10 minutes, made by api.redirect.encodeToken):
 *     iss = Auth0 domain, sub = Auth0 user id, iat, exp (and ip, added by Auth0), plus
 *     purpose "verify", client_id (this application's client id), app (its name),
 *     required (true when IDV_REQUIRED=true or the portal said so), id (the portal's id
 *     from a previous check, when known), jti (random: each login's token is its own, as
 *     the portal accepts a token once) and hint: the account being verified, masked
 *     (e.g. "al•••@example.com": the first one or two characters of the email's local
 *     part, the domain kept; or the username masked), so the person sees on the
 *     portal's page which account they verify, and no personal data is in the URL;
 *     ui_locales: the languages the application asked for (event.transaction.ui_locales,
 *     space-separated, e.g. "es-MX es"), the language of the portal's pages.
 *   From the portal (form field "token" on /continue, read by api.redirect.validateToken):
 *     state, sub (the portal's id), status ("success" | "failed" | "declined" | "error" |
 *     "revoked"), iat (time of the check), exp, iss, auth0_user_id (the Auth0 user whose
 *     token opened the attempt), and on success groups, provider, policy.
 *     The answer is refused (idv_verification_failed when required, else status
 *     "failed") when auth0_user_id is missing or is not this user, and when sub differs
 *     from the id this Action stored unless the portal says why (id_reset: true).
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
const STATUS_TOKEN_EXPIRES_IN_SECONDS = 60;
/** A stored check further in the future than this is not trusted. */
const CLOCK_SKEW_MS = 60 * 1000;
/** The portal's status words (any other answer is "not reachable"). */
const PORTAL_STATUSES = ["valid", "revoked", "expired", "not_verified", "none"];

const ERROR_VERIFICATION_FAILED = "idv_verification_failed";
// The portal's reference codes (lib/flow/reference.ts): Crockford base32, no I, L, O or U.
const REFERENCE = /^IDV-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/;
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

function metadataFlag(event, key) {
  const value = clientMetadata(event)[key];
  return typeof value === "string" && value.trim().toLowerCase() === "true";
}

const isRequired = (event) => metadataFlag(event, "IDV_REQUIRED");
const isSkipped = (event) => metadataFlag(event, "IDV_SKIP");

function requiredGroup(event) {
  const value = clientMetadata(event).IDV_GROUP;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  return value.trim().toLowerCase();
}

function clientId(event) {
  const id = event && event.client && event.client.client_id;
  return isNonEmptyString(id) ? id : undefined;
}

// ---------------------------------------------------------------------------
// The account hint shown on the portal's page (masked: never a whole email or name)

function mask(text) {
  const chars = Array.from(text);
  return chars.slice(0, chars.length > 4 ? 2 : 1).join("") + "•••";
}

function accountHint(user) {
  const email = user && user.email;
  if (isNonEmptyString(email)) {
    const at = email.lastIndexOf("@");
    if (at > 0 && at < email.length - 1) return mask(email.slice(0, at)) + email.slice(at);
  }
  const username = user && user.username;
  if (isNonEmptyString(username)) return mask(username.trim());
  return undefined;
}

/** A random id (the Actions runtime has the Web Crypto global). */
function uniqueId() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2);
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

/** A stored check to speak of: an id and a readable time of a past successful check. */
function holdsCheck(stored, nowMs) {
  if (!stored || !isNonEmptyString(stored.id) || typeof stored.lastSuccessfulCheck !== "string") return false;
  const last = Date.parse(stored.lastSuccessfulCheck);
  return Number.isFinite(last) && last <= nowMs + CLOCK_SKEW_MS;
}

/** Why a stored verification does not count for this application, or null when it does (the fallback). */
function invalidReason(stored, expiresInSeconds, group, nowMs) {
  if (!holdsCheck(stored, nowMs)) return "missing";
  if (nowMs - Date.parse(stored.lastSuccessfulCheck) >= expiresInSeconds * 1000) return "expired";
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
function notVerified(api, required, ns, statusWord, ref) {
  if (required) api.access.deny(ref ? ERROR_VERIFICATION_FAILED + " (reference " + ref + ")" : ERROR_VERIFICATION_FAILED);
  else {
    api.idToken.setCustomClaim(ns + "status", statusWord);
    if (ref) api.idToken.setCustomClaim(ns + "reference", ref);
  }
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

/** Forgets the time and groups of a check the portal revoked (the reply to a redirect); keeps the id. */
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
// The portal's status answer

/**
 * Asks the portal (server to server) whether this user may use this application now.
 * Returns the answer { status, required, lastCheck, id, groups }, or null when the
 * portal cannot be asked (then the caller falls back to Auth0's metadata and the
 * stored check, so an outage of the portal does not lock everyone out).
 */
async function portalStatus(api, settings, event, stored) {
  if (typeof fetch !== "function") return null;
  try {
    const token = api.redirect.encodeToken({
      secret: settings.secret,
      expiresInSeconds: STATUS_TOKEN_EXPIRES_IN_SECONDS,
      payload: {
        purpose: "status",
        client_id: clientId(event),
        id: stored && isNonEmptyString(stored.id) ? stored.id : undefined,
      },
    });
    const response = await fetch(settings.portalOrigin + STATUS_PATH, {
      headers: { authorization: "Bearer " + token, accept: "application/json" },
      signal: AbortSignal.timeout(STATUS_TIMEOUT_MS),
    });
    if (!response.ok) throw new Error("status " + response.status);
    const body = await response.json();
    if (!body || typeof body !== "object" || !PORTAL_STATUSES.includes(body.status) || typeof body.required !== "boolean") {
      throw new Error("not a status answer");
    }
    const answer = { status: body.status, required: body.required, groups: normalizeGroups(body.groups) };
    // The portal's id for THIS Auth0 user (absent when it has never seen them).
    if (isNonEmptyString(body.id)) answer.id = body.id;
    if (body.status === "valid") {
      const last = typeof body.last_check === "string" ? Date.parse(body.last_check) : NaN;
      if (!answer.id || !Number.isFinite(last)) throw new Error("a valid answer without id or last_check");
      answer.lastCheck = new Date(Math.min(last, Date.now())).toISOString();
    }
    return answer;
  } catch (err) {
    console.log("id-verification: the portal's status could not be read; using Auth0's metadata and the stored check");
    return null;
  }
}

/** The stored check updated with what the portal says now (its id, time of check and groups). */
function refreshed(stored, answer) {
  const record = Object.assign({}, stored || {});
  record.id = answer.id;
  record.lastSuccessfulCheck = answer.lastCheck;
  record.groups = answer.groups;
  return record;
}

/**
 * What is left of the stored value when the portal does not let the person in: the
 * check is dropped when `dropCheck`, and the id becomes the portal's id for this user
 * (none when the portal has never seen them), so a stale or foreign id is not sent to
 * the portal again and the reply's person id matches it.
 */
function alignedStored(stored, answer, dropCheck) {
  const next = {};
  for (const key of Object.keys(stored)) {
    if (key === "id" || (dropCheck && (key === "lastSuccessfulCheck" || key === "groups"))) continue;
    next[key] = stored[key];
  }
  if (dropCheck) next.groups = [];
  if (answer.id) next.id = answer.id;
  return next;
}

function sameCheck(a, b) {
  return (
    !!a &&
    a.id === b.id &&
    a.lastSuccessfulCheck === b.lastSuccessfulCheck &&
    JSON.stringify(normalizeGroups(a.groups)) === JSON.stringify(b.groups)
  );
}

// ---------------------------------------------------------------------------
// Handlers

/**
 * The start of both handlers: nothing for the staff application (documented above), not
 * even settings to read; else the settings, or the configuration problem (and null).
 */
function prepared(event, api) {
  if (isSkipped(event)) return null;
  const required = isRequired(event);
  const settings = readSettings(event);
  if (!settings.ok) {
    configurationProblem(api, required, settings.problems);
    return null;
  }
  return { required, settings, ns: settings.claimNamespace };
}

/**
 * The languages the application asked for (Auth0's event.transaction.ui_locales) as OpenID
 * Connect's space-separated ui_locales, for the portal's pages; only well-formed tags. Without
 * them the portal follows the browser's Accept-Language (as Auth0's own transaction.locale does).
 */
function uiLocales(event) {
  const t = event.transaction || {};
  const list = Array.isArray(t.ui_locales) ? t.ui_locales : [];
  const tags = list.filter((l) => typeof l === "string" && /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$/.test(l)).slice(0, 5);
  return tags.length > 0 ? tags.join(" ") : undefined;
}

/** The portal's reference code of the attempt (e.g. "IDV-7K3M-Q9XZ"), when its answer carries a well-formed one. */
function referenceOf(payload) {
  return typeof payload.ref === "string" && REFERENCE.test(payload.ref) ? payload.ref : undefined;
}

exports.onExecutePostLogin = async (event, api) => {
  const ready = prepared(event, api);
  if (!ready) return;
  let required = ready.required;
  const { settings, ns } = ready;
  const group = requiredGroup(event);
  const nowMs = Date.now();
  let stored = readStored(event);
  const canRedirect = typeof api.redirect.canRedirect === "function" ? api.redirect.canRedirect() : true;
  const holds = holdsCheck(stored, nowMs);

  // A stored check (or a stored id), or a login that cannot be sent to the portal: the portal decides.
  if (holds || (stored && isNonEmptyString(stored.id)) || !canRedirect) {
    const answer = await portalStatus(api, settings, event, stored);
    if (answer) {
      if (answer.required) required = true;
      if (answer.status === "valid" && (group === undefined || hasGroup(answer.groups, group))) {
        const record = refreshed(stored, answer);
        if (!sameCheck(stored, record)) api.user.setAppMetadata(METADATA_KEY, record);
        setValidClaims(api, ns, record);
        return;
      }
      // Revoked, expired, not valid for this application, or unknown to the portal: the
      // stored check no longer stands; and the id is the one the portal has for this user.
      if (stored) {
        const next = alignedStored(stored, answer, answer.status !== "valid" && holds);
        if (JSON.stringify(next) !== JSON.stringify(stored)) api.user.setAppMetadata(METADATA_KEY, next);
        stored = next;
      }
    } else if (invalidReason(stored, settings.expiresInSeconds, group, nowMs) === null) {
      // The portal cannot be reached: Auth0's metadata and the stored check decide.
      setValidClaims(api, ns, stored);
      return;
    }
  }

  if (!canRedirect) {
    if (required) api.access.deny(ERROR_INTERACTION_REQUIRED);
    else api.idToken.setCustomClaim(ns + "status", "skipped");
    return;
  }

  const token = api.redirect.encodeToken({
    secret: settings.secret,
    expiresInSeconds: REDIRECT_TOKEN_EXPIRES_IN_SECONDS,
    payload: {
      purpose: "verify",
      client_id: clientId(event),
      app: event.client && isNonEmptyString(event.client.name) ? event.client.name : undefined,
      required,
      id: stored && isNonEmptyString(stored.id) ? stored.id : undefined,
      hint: accountHint(event.user),
      // The login's languages: the portal's pages (and the provider, where it takes one) follow them.
      ui_locales: uiLocales(event),
      // Unique per login: the portal accepts each token once, and two logins of one user to one
      // application within the same second would otherwise make the very same token.
      jti: uniqueId(),
    },
  });
  api.redirect.sendUserTo(settings.portalOrigin + PORTAL_PATH, { query: { [TOKEN_PARAMETER]: token } });
};

exports.onContinuePostLogin = async (event, api) => {
  const ready = prepared(event, api);
  if (!ready) return;
  let required = ready.required;
  const { settings, ns } = ready;

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

  // The answer must be for this Auth0 user: a token opened by another user's login
  // (their token with this login's state) must not verify this account.
  if (!isNonEmptyString(payload.auth0_user_id) || payload.auth0_user_id !== event.user.user_id) {
    console.log("id-verification: the portal's answer is not for this user");
    notVerified(api, required, ns, "failed");
    return;
  }
  // …and for the person the portal knew this user as, unless the portal says it changed.
  const stored = readStored(event);
  if (isNonEmptyString(payload.sub) && stored && isNonEmptyString(stored.id) && payload.sub !== stored.id && payload.id_reset !== true) {
    console.log("id-verification: the portal's answer names another person than the one stored");
    notVerified(api, required, ns, "failed");
    return;
  }
  const status = payload.status;

  if (status === "success") {
    const iat = payload.iat;
    if (!isNonEmptyString(payload.sub) || typeof iat !== "number" || !Number.isFinite(iat)) {
      // A success without the person's id or the time of the check is not usable.
      notVerified(api, required, ns, "error", referenceOf(payload));
      return;
    }
    const record = {
      id: payload.sub,
      // A check "in the future" (portal clock ahead) is stored as now.
      lastSuccessfulCheck: new Date(Math.min(iat * 1000, Date.now())).toISOString(),
      groups: normalizeGroups(payload.groups),
    };
    if (isNonEmptyString(payload.provider)) record.provider = payload.provider;
    if (isNonEmptyString(payload.policy)) record.policy = payload.policy;
    api.user.setAppMetadata(METADATA_KEY, record);

    // The portal just decided (its interval included); Auth0's IDV_GROUP can only add to it.
    const group = requiredGroup(event);
    if (group === undefined || hasGroup(record.groups, group)) setValidClaims(api, ns, record);
    else notVerified(api, required, ns, "group_not_verified", referenceOf(payload));
    return;
  }

  if (status === "revoked") {
    if (stored) clearCheck(api, stored);
    notVerified(api, required, ns, "revoked", referenceOf(payload));
    return;
  }

  notVerified(api, required, ns, failureWord(status), referenceOf(payload));
};
