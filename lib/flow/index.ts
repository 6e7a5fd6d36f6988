import { env } from "../env";
import { getDb, transaction } from "../db/client";
import { emitRecordEvent } from "../events/emit";
import { verifyInboundToken, TokenCheckError, signReturnToken, auth0ContinueUrl, tokenFingerprint } from "../auth0/token";
import { providerFor } from "../providers";
import { AUTHORIZATION_ERRORS } from "../providers/oidc-client";
import type { ProviderChooser, ProviderConnection } from "../providers/types";
import { isSafeGroupName } from "../providers/groups";
import { currentConnection, currentGlobalSettings, currentSettings, type EffectiveSettings } from "../settings";
import { ensurePerson, findReusableVerification, saveVerification, LinkedElsewhereError, verifiedGroups } from "../records";
import { log } from "../log";
import { observed } from "../metrics/observe";
import {
  addEvent,
  addEvents,
  fail,
  findAttempt,
  markResumed,
  move,
  openAttempt,
  openFailedAttempt,
  type Attempt,
  type EventEntry,
  type OpenAttempt,
} from "./attempts";
import { newId, newSecret } from "./reference";
import { awayFromDb } from "./admission";
import { pickLocale, type Locale } from "./locale";
import { FlowError, TERMINAL, TRANSIENT, isFailureCode, returnStatusFor, type FailureCode } from "./states";
import { browserHash, claimEntryToken, displayClaim, firstAttemptOf, openedBy } from "./binding";
import { auth0TransactionExpired, closeIfAbandoned, refuseExpiredTransaction } from "./auth0-transaction";

/**
 * The verification flow, step by step. Routes in app/id-verification call these
 * functions and turn the Outcome into a response; tests drive them over HTTP.
 *
 *   begin     GET  /id-verification            token from the Auth0 Action
 *   start     POST /id-verification/start      "Verify with ID.me"
 *   decline   POST /id-verification/decline    "Not now" (straight back to an optional application)
 *   restart   POST /id-verification/restart    "Start again" after Back from the provider: a new trip there
 *   retry     POST /id-verification/retry      "Try again" after a transient failure: a new attempt, same login
 *   callback  GET  /id-verification/callback   back from ID.me
 *   resume    POST /id-verification/resume     "Back to the application" on the outcome page
 *             GET  /id-verification/continue   the auto-submitting form to Auth0's /continue
 *
 * Every step after the first must come from the browser that opened the
 * attempt (lib/flow/binding.ts); a "resume" outcome is always answered with a
 * redirect to /id-verification/continue, so no page is shown at an address
 * that carries the Action's token or the provider's code.
 */

export type Outcome =
  | { kind: "consent"; attempt: Attempt; locale?: Locale }
  | { kind: "provider"; attempt: Attempt; url: URL; oauthState: string }
  | { kind: "resume"; attempt: Attempt }
  | { kind: "outcome"; attempt: Attempt; refused?: boolean };

/**
 * Who is asking, beyond the cookies of the attempt: the browser's binding
 * secret (lib/flow/binding.ts) and the request's address.
 */
export interface FlowRequest {
  browserSecret: string;
  clientAddress?: string;
  /** The person's language (lib/flow/locale.ts), passed on to a provider that takes one. */
  locale?: string;
}

export const CALLBACK_PATH = "/id-verification/callback";

export function callbackUrl(): string {
  return `${env().PORTAL_URL}${CALLBACK_PATH}`;
}

/** The connection of the attempt's provider (which may differ from today's settings only if an admin switched it mid-login). */
async function connectionFor(s: EffectiveSettings, attempt: Attempt): Promise<ProviderConnection> {
  if (s.provider !== attempt.provider)
    throw new FlowError("configuration_error", `the application now uses ${s.provider}, not ${attempt.provider}`);
  const c = await currentConnection(s.provider);
  // A client authenticates with a secret, or (private_key_jwt) with the portal's own key.
  if (!c || !c.clientId || !c.baseUrl || (!c.clientSecret && !c.privateJwk)) {
    throw new FlowError("configuration_error", `no client is configured for provider ${s.provider}`);
  }
  return { ...c, timeoutMs: env().PROVIDER_TIMEOUT_MS };
}

async function defaults() {
  const g = await currentGlobalSettings();
  return { provider: g.provider, policy: g.verificationType, scopes: g.scopes, requiredGroup: g.requiredGroup };
}

/**
 * A request the flow refuses before it reaches an attempt of this browser: it
 * gets an attempt of its own (bound to this browser, without Auth0's state) so
 * the person has a reference code, and counts towards the address's limit.
 */
async function refuse(req: FlowRequest, code: FailureCode, description: string): Promise<Outcome> {
  const attempt = await openFailedAttempt({ ...(await defaults()), browserHash: browserHash(req.browserSecret) }, code, description);
  return { kind: "outcome", attempt, refused: true };
}

/** The attempt of this browser's attempt cookie, or the refusal to answer with. */
async function attemptOfThisBrowser(attemptId: string | undefined, req: FlowRequest, what: string): Promise<Attempt | Outcome> {
  const attempt = await findAttempt(attemptId);
  if (!attempt) return refuse(req, "session_missing", `${what} without the portal's attempt cookie`);
  if (!openedBy(attempt, req.browserSecret)) return refuseForOtherBrowser(attempt, req, what);
  // Back from the provider after Auth0's hour: that trip was abandoned. An attempt still on the
  // consent page is the person acting now: their answer (verify, not now) is kept, and the way
  // back tells them the sign-in expired (refuseExpiredTransaction).
  return attempt.status === "at_provider" ? closeIfAbandoned(attempt) : attempt;
}

/** Another browser's attempt is neither handed over nor ended: it only learns that it was tried. */
async function refuseForOtherBrowser(attempt: Attempt, req: FlowRequest, what: string): Promise<Outcome> {
  await addEvent(attempt, "browser_refused", "error", {
    code: "browser_mismatch",
    description: `${what} came from a browser that did not open this attempt; refused there, this attempt was left as it was`,
  });
  return refuse(req, "browser_mismatch", `${what} belonged to attempt ${attempt.referenceCode}, which another browser opened`);
}

const isOutcome = (x: Attempt | Outcome): x is Outcome => "kind" in x;

/** GET /id-verification?token=…&state=… */
export async function begin(query: URLSearchParams, req: FlowRequest): Promise<Outcome> {
  const e = env();
  const state = query.get("state");
  const token = query.get("token") ?? query.get("session_token");
  const bound = browserHash(req.browserSecret);
  // Chosen now, so the token's claim names the attempt it opens (a second arrival can cite it).
  const attemptId = newId("att");
  let inbound;
  try {
    inbound = await verifyInboundToken(
      { token, state },
      {
        secret: e.AUTH0_TOKEN_SECRET,
        auth0Domain: e.AUTH0_DOMAIN,
        purpose: "verify",
        // With IDV_BIND_IP an unknown address matches no token.
        clientAddress: e.IDV_BIND_IP ? (req.clientAddress ?? "") : undefined,
        claimOnce: (fingerprint, expiresAt) => claimEntryToken(fingerprint, expiresAt, attemptId),
      },
    );
  } catch (err) {
    if (!(err instanceof TokenCheckError)) throw err;
    let description = err.message;
    if (err.code === "token_reused") {
      const first = await firstAttemptOf(tokenFingerprint(token!));
      if (first) description += ` (first by attempt ${first})`;
    }
    // Auth0's state goes back only when present; of the token's claims only a verified `sub` is kept, for support.
    const attempt = await openFailedAttempt(
      { ...(await defaults()), auth0State: state || null, auth0UserId: err.sub ?? null, browserHash: bound },
      err.code,
      description,
    );
    return { kind: "outcome", attempt, refused: true };
  }

  const s = await currentSettings(inbound.clientId);
  const person = await ensurePerson(inbound.sub);
  const reusable = await findReusableVerification(person.id, s);
  const note = inbound.id && inbound.id !== person.id ? " (the Action sent an id the portal does not know for this user; ignored)" : "";
  const received = {
    step: "token_received",
    outcome: "ok",
    description: `token checked${inbound.clientId ? ` for application ${inbound.clientId}` : ""}${note}`,
  } as const;
  const opening: OpenAttempt & { id: string } = {
    id: attemptId,
    auth0UserId: inbound.sub,
    auth0ClientId: inbound.clientId ?? null,
    auth0State: state,
    personId: person.id,
    provider: s.provider,
    policy: s.policy,
    scopes: s.scopes,
    requiredGroup: s.requiredGroup,
    browserHash: bound,
    accountHint: displayClaim(inbound.claims["hint"]),
    appLabel: displayClaim(inbound.claims["app"]),
  };

  if (reusable) {
    const attempt = await openAttempt(opening);
    // The move and its events in one statement.
    const data = { recordId: reusable.id, checkedAt: reusable.lastCheckedAt, providerUuid: reusable.providerUuid };
    await move(attempt, "verified", data, ["started"], undefined, {
      when: "always",
      events: [
        received,
        {
          step: "interval_check",
          outcome: "ok",
          description: `last successful ${reusable.policyKey} check ${reusable.lastCheckedAt.toISOString()} is inside the ${s.intervalHours} h interval: no trip to the provider`,
        },
        { step: "result", outcome: "ok", description: "verified (still valid)" },
      ],
    });
    return { kind: "resume", attempt };
  }
  // The attempt and its first events in one statement.
  const attempt = await openAttempt(opening, undefined, [
    received,
    {
      step: "interval_check",
      outcome: "info",
      description:
        s.intervalHours > 0
          ? `no successful check inside the ${s.intervalHours} h interval`
          : "re-verification interval is 0: verify every time",
    },
  ]);
  // Auth0's ui_locales as the Action passed them: the pages' language from now on (lib/flow/locale.ts).
  const uiLocales = inbound.claims["ui_locales"];
  const locale = pickLocale(typeof uiLocales === "string" ? uiLocales.slice(0, 100) : null) ?? undefined;
  return { kind: "consent", attempt, locale };
}

/** POST /id-verification/start: send the person to the provider (again, on a double submit). */
export async function start(attemptId: string | undefined, req: FlowRequest): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the start button");
  if (isOutcome(found)) return found;
  const attempt = found;
  if (TERMINAL.has(attempt.status) || attempt.status === "returned") return { kind: "outcome", attempt };

  const s = await currentSettings(attempt.auth0ClientId);
  const provider = observed(providerFor(attempt.provider));
  if (provider.chooser && attempt.status === "started") return toChooser(attempt, provider.chooser, s);
  return toProvider(attempt, s, req);
}

/** How long the answer of a provider's chooser step (IDPartner's account selector) is taken. */
export const CHOOSER_TTL_MS = 15 * 60_000;

/**
 * A provider with a chooser step: off to its chooser first, with a fresh one-use value
 * bound to this attempt (its browser is bound by the attempt cookie), which expires.
 * State, nonce and PKCE verifier are made now, so the state cookie binds the browser too.
 */
async function toChooser(attempt: Attempt, chooser: ProviderChooser, s: EffectiveSettings): Promise<Outcome> {
  const data = {
    oauthState: attempt.oauthState ?? newSecret(),
    nonce: attempt.nonce ?? newSecret(),
    codeVerifier: attempt.codeVerifier ?? newSecret() + newSecret(),
    chooserState: newSecret(),
    chooserExpiresAt: new Date(Date.now() + CHOOSER_TTL_MS),
  };
  let url: URL;
  try {
    url = chooser.url(await connectionFor(s, attempt), { visitorId: data.chooserState, scopes: attempt.scopes });
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    await fail(attempt, err);
    return { kind: "outcome", attempt };
  }
  const db = await getDb();
  const { count } = await db.attempt.updateMany({ where: { id: attempt.id, status: "started" }, data });
  if (count !== 1) return { kind: "outcome", attempt: (await findAttempt(attempt.id))! };
  Object.assign(attempt, data);
  await addEvent(attempt, "sent_to_chooser", "ok", { description: `to ${url.origin} to choose where to verify` });
  return { kind: "provider", attempt, url, oauthState: data.oauthState };
}

/**
 * GET /id-verification/bank?…: back from the provider's chooser step. Only this browser's
 * attempt, only with the one-use value it was sent with (taken once, before it expires),
 * and only a choice the provider accepts (IDPartner: an allowed bank); then off to the provider.
 */
export async function chosen(
  attemptId: string | undefined,
  stateCookie: string | undefined,
  query: URLSearchParams,
  req: FlowRequest,
): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the chooser's answer");
  if (isOutcome(found)) return found;
  const attempt = found;
  const s = await currentSettings(attempt.auth0ClientId);
  const provider = observed(providerFor(attempt.provider));
  const visitorId = provider.chooser?.visitorIdIn(query) ?? null;
  if (TERMINAL.has(attempt.status)) return { kind: "outcome", attempt };
  const chooserFail = async (description: string) => {
    await fail(attempt, new FlowError("chooser_state_invalid", description));
    return { kind: "outcome", attempt } as const;
  };
  if (!provider.chooser) return chooserFail(`${attempt.provider} has no chooser step`);
  if (!visitorId || !attempt.chooserState || visitorId !== attempt.chooserState || stateCookie !== attempt.oauthState) {
    return chooserFail(
      !attempt.chooserState
        ? "the chooser's answer came again (each is taken once)"
        : !visitorId || visitorId !== attempt.chooserState
          ? "the chooser's answer is not for this attempt"
          : "the state cookie does not match",
    );
  }
  if (!attempt.chooserExpiresAt || attempt.chooserExpiresAt.getTime() < Date.now())
    return chooserFail("the chooser's answer came too late");
  const db = await getDb();
  // Taken once: the first of two answers at once wins, the other finds it gone.
  const { count } = await db.attempt.updateMany({
    where: { id: attempt.id, status: "started", chooserState: visitorId },
    data: { chooserState: null, chooserExpiresAt: null },
  });
  if (count !== 1) return chooserFail("the chooser's answer came again (each is taken once)");
  Object.assign(attempt, { chooserState: null, chooserExpiresAt: null });
  let choice;
  try {
    const connection = await connectionFor(s, attempt);
    const chooser = provider.chooser;
    choice = await awayFromDb(() => chooser.accept(connection, query));
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    await fail(attempt, err);
    return { kind: "outcome", attempt };
  }
  await db.attempt.update({ where: { id: attempt.id }, data: { providerChoice: choice.choice } });
  attempt.providerChoice = choice.choice;
  await addEvent(attempt, "chosen", "ok", { description: choice.description });
  return toProvider(attempt, s, req);
}

async function toProvider(attempt: Attempt, s: EffectiveSettings, req: FlowRequest): Promise<Outcome> {
  const oauthState = attempt.oauthState ?? newSecret();
  const nonce = attempt.nonce ?? newSecret();
  const codeVerifier = attempt.codeVerifier ?? newSecret() + newSecret();
  let url: URL;
  try {
    const provider = observed(providerFor(attempt.provider));
    url = await provider.authorizationUrl(await connectionFor(s, attempt), {
      redirectUri: callbackUrl(),
      scopes: attempt.scopes,
      state: oauthState,
      nonce,
      codeVerifier,
      choice: attempt.providerChoice,
    });
  } catch (err) {
    if (!(err instanceof FlowError)) throw err;
    await fail(attempt, err);
    return { kind: "outcome", attempt };
  }
  // OpenID Connect's ui_locales (Core §3.1.2.1): the provider's pages in the person's language, where it has one.
  if (attempt.provider === "oidc" && req.locale) url.searchParams.set("ui_locales", req.locale);
  if (attempt.status === "started") {
    const moved = await move(attempt, "at_provider", { oauthState, nonce, codeVerifier }, ["started"], undefined, {
      events: [{ step: "sent_to_provider", outcome: "ok", description: `to ${url.origin} with scopes ${attempt.scopes.join(" ")}` }],
    });
    if (!moved) return start(attempt.id, req); // a double submit got there first: use its state
    // (a provider with a chooser step only gets here once, from its chooser's answer)
  } else {
    await addEvent(attempt, "start_repeated", "info", { description: "the start button was pressed again; same state and nonce" });
  }
  return { kind: "provider", attempt, url, oauthState };
}

/**
 * POST /id-verification/restart: "Start again" on the page a person reaches with Back from
 * the provider. The earlier trip's state, nonce and verifier are replaced, so an answer
 * to it no longer counts; the person signs in at the provider afresh.
 */
export async function restart(attemptId: string | undefined, req: FlowRequest): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the start-again button");
  if (isOutcome(found)) return found;
  if (found.status !== "at_provider") return start(found.id, req);
  const fresh = { oauthState: newSecret(), nonce: newSecret(), codeVerifier: newSecret() + newSecret() };
  await move(found, "at_provider", fresh, ["at_provider"], undefined, {
    events: [
      { step: "start_repeated", outcome: "info", description: "started again after coming back from the provider; new state and nonce" },
    ],
  });
  return start(found.id, req);
}

/**
 * POST /id-verification/retry: "Try again" after a failure that may pass (TRANSIENT),
 * while Auth0's transaction lives and nothing went back to Auth0 yet. A new attempt of the
 * same login, bound to the same browser, takes over Auth0's state; the failed one keeps its
 * code and says which attempt followed it.
 */
export async function retry(attemptId: string | undefined, req: FlowRequest): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the try-again button");
  if (isOutcome(found)) return found;
  if (!canRetry(found)) return { kind: "outcome", attempt: found };
  const next = await transaction(async (tx) => {
    // Only one retry takes the login over: the failed attempt gives up Auth0's state.
    const { count } = await tx.attempt.updateMany({
      where: { id: found.id, resumedAt: null, auth0State: found.auth0State },
      data: { auth0State: null },
    });
    if (count !== 1) return null;
    const opened = await openAttempt(
      {
        auth0UserId: found.auth0UserId,
        auth0ClientId: found.auth0ClientId,
        auth0State: found.auth0State,
        personId: found.personId,
        provider: found.provider,
        policy: found.policy,
        scopes: found.scopes,
        requiredGroup: found.requiredGroup,
        browserHash: found.browserHash,
        accountHint: found.accountHint,
        appLabel: found.appLabel,
      },
      tx,
    );
    // Auth0's transaction began before the first attempt: the new one keeps its clock.
    await tx.attempt.update({ where: { id: opened.id }, data: { createdAt: found.createdAt } });
    await addEvent(
      found,
      "retried",
      "info",
      { description: `the person tried again: attempt ${opened.referenceCode} continues this login` },
      tx,
    );
    await addEvent(
      opened,
      "token_received",
      "ok",
      { description: `a retry of attempt ${found.referenceCode} (${found.failureCode}), same login` },
      tx,
    );
    return { ...opened, createdAt: found.createdAt };
  });
  if (!next) return { kind: "outcome", attempt: (await findAttempt(found.id)) ?? found };
  return start(next.id, req);
}

/** "Try again" is offered for a failure that may pass, on a login that can still go back to Auth0. */
export function canRetry(attempt: Attempt, now: Date = new Date()): boolean {
  return (
    attempt.status === "error" &&
    attempt.failureCode !== null &&
    isFailureCode(attempt.failureCode) &&
    TRANSIENT.has(attempt.failureCode) &&
    Boolean(attempt.auth0State) &&
    attempt.resumedAt === null &&
    !auth0TransactionExpired(attempt, now)
  );
}

/**
 * POST /id-verification/decline: "Not now", or "Back to the application" after Back from
 * the provider. An application that does not require verification gets the answer at once
 * (no extra click); a required one shows the outcome first, which says what it means.
 */
export async function decline(attemptId: string | undefined, req: FlowRequest): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the decline button");
  if (isOutcome(found)) return found;
  const attempt = found;
  if (attempt.status === "started" || attempt.status === "at_provider") {
    const declined = await fail(attempt, new FlowError("declined_at_portal", "the person chose not to verify on the portal's page"));
    const s = declined ? await currentSettings(attempt.auth0ClientId) : null;
    if (s && !s.required && attempt.auth0State) return { kind: "resume", attempt };
  }
  return { kind: "outcome", attempt };
}

/** POST /id-verification/resume and GET /id-verification/continue: back to Auth0, for this browser's own attempt only. */
export async function resumeStep(attemptId: string | undefined, req: FlowRequest): Promise<Outcome> {
  const found = await attemptOfThisBrowser(attemptId, req, "the way back to the application");
  if (isOutcome(found)) return found;
  return { kind: TERMINAL.has(found.status) && found.auth0State ? "resume" : "outcome", attempt: found };
}

/** GET /id-verification/callback?code=…&state=… (or ?error=…) */
export async function callback(
  attemptId: string | undefined,
  stateCookie: string | undefined,
  url: URL,
  req: FlowRequest,
): Promise<Outcome> {
  const q = url.searchParams;
  const state = q.get("state");
  // The provider's state names the attempt; the attempt cookie is the fallback (no state, or an unknown one).
  const owner = state ? await (await getDb()).attempt.findUnique({ where: { oauthState: state } }) : null;
  const attempt = owner ?? (await findAttempt(attemptId));
  if (!attempt) {
    return refuse(req, state ? "state_mismatch" : "session_missing", "a provider callback that matches no attempt of this browser");
  }
  if (!openedBy(attempt, req.browserSecret)) return refuseForOtherBrowser(attempt, req, "the provider's answer");

  if (attempt.status !== "at_provider") {
    // A reload or a replayed code: nothing is exchanged or verified again.
    await addEvent(attempt, "callback_replayed", "info", { description: `callback received again while ${attempt.status}; ignored` });
    return { kind: attempt.status === "verified" ? "resume" : "outcome", attempt };
  }
  // A JWT-secured authorization response (JARM, response_mode=jwt: IDPartner's banks) carries
  // state, code or error inside the signed JWT: the provider checks them when it opens it.
  const jwtResponse = !state && !q.get("code") && !q.get("error") && !!q.get("response");
  if (jwtResponse) {
    if (stateCookie !== attempt.oauthState) {
      await fail(attempt, new FlowError("state_mismatch", "the state cookie does not match"));
      return { kind: "outcome", attempt };
    }
  } else if (!state || state !== attempt.oauthState || stateCookie !== attempt.oauthState) {
    await fail(
      attempt,
      new FlowError(
        "state_mismatch",
        !state
          ? "the callback has no state"
          : state !== attempt.oauthState
            ? "the callback's state is not this attempt's"
            : "the state cookie does not match",
      ),
    );
    return { kind: "outcome", attempt };
  }
  const error = q.get("error");
  if (error) {
    const code = AUTHORIZATION_ERRORS[error] ?? "provider_error";
    const desc = (q.get("error_description") ?? "").slice(0, 300);
    await fail(attempt, new FlowError(code, `provider said ${error}${desc ? `: ${desc}` : ""}`));
    return { kind: "outcome", attempt };
  }
  if (!q.get("code") && !jwtResponse) {
    await fail(attempt, new FlowError("callback_code_missing", "the callback has neither code nor error"));
    return { kind: "outcome", attempt };
  }
  const returned = {
    step: "returned",
    outcome: "ok",
    description: jwtResponse ? "signed authorization response received" : "code received",
  } as const;
  if (!(await move(attempt, "returned", {}, ["at_provider"], undefined, { events: [returned] }))) {
    const again = (await findAttempt(attempt.id))!;
    await addEvent(again, "callback_replayed", "info", { description: "a second callback arrived while the first was being handled" });
    return { kind: again.status === "verified" ? "resume" : "outcome", attempt: again };
  }

  try {
    return await finish(attempt, url);
  } catch (err) {
    if (err instanceof FlowError) {
      await fail(attempt, err);
      return { kind: "outcome", attempt };
    }
    throw err;
  }
}

async function finish(attempt: Attempt, url: URL): Promise<Outcome> {
  const s = await currentSettings(attempt.auth0ClientId);
  const provider = observed(providerFor(attempt.provider));
  // The token endpoint must see the redirect_uri that was sent, whatever host the request came in on.
  const current = new URL(callbackUrl());
  current.search = url.search;

  const connection = await connectionFor(s, attempt);
  // The provider's token endpoint and userinfo: no database work meanwhile (lib/flow/admission.ts).
  const answer = await awayFromDb(() =>
    provider.complete(connection, current, {
      state: attempt.oauthState!,
      nonce: attempt.nonce!,
      codeVerifier: attempt.codeVerifier!,
      scopes: attempt.scopes,
      choice: attempt.providerChoice,
    }),
  );
  const verified =
    attempt.policy === "identity"
      ? answer.identityVerified
      : attempt.requiredGroup !== null && answer.groups.some((g) => g.group === attempt.requiredGroup && g.verified === true);
  const checkedAt = new Date();

  // Everything the answer changes is written together: the events, the record, the attempt's move.
  const answered: EventEntry[] = [
    {
      step: "token_exchange",
      outcome: "ok",
      description: answer.idTokenClaims
        ? "tokens received; ID token signature, iss, aud, exp and nonce checked"
        : "access token received (OAuth style, no ID token)",
    },
    {
      step: "userinfo",
      outcome: "ok",
      description: `${answer.style}: ${answer.attributeCount} attributes and ${answer.groups.length} status entries`,
    },
  ];
  return transaction(async (tx): Promise<Outcome> => {
    let record;
    try {
      record = await saveVerification(
        {
          personId: attempt.personId!,
          auth0UserId: attempt.auth0UserId!,
          auth0ClientId: attempt.auth0ClientId,
          provider: attempt.provider,
          policy: attempt.policy,
          requiredGroup: attempt.requiredGroup,
          intervalHours: s.intervalHours,
          parsed: { uuid: answer.uuid, normalized: answer.normalized, groups: answer.groups },
          rawUserinfo: answer.raw,
          idTokenClaims: answer.idTokenClaims,
          verified,
          checkedAt,
        },
        tx,
      );
    } catch (err) {
      if (!(err instanceof LinkedElsewhereError)) throw err;
      await addEvents(attempt, answered, tx);
      // Kept on the attempt, so support can see both accounts (admin "linked identity" page).
      await tx.attempt.update({ where: { id: attempt.id }, data: { providerUuid: answer.uuid } });
      await fail(attempt, new FlowError("uuid_linked_to_other_user", "this provider identity already verified another Auth0 user"), tx);
      return { kind: "outcome", attempt };
    }
    if (verified) {
      // The move, the answer's events and the result in one statement.
      const result: EventEntry = {
        step: "result",
        outcome: "ok",
        description: attempt.policy === "identity" ? "identity verified" : `community group ${attempt.requiredGroup} verified`,
      };
      const data = { recordId: record.id, checkedAt, providerUuid: answer.uuid };
      if (await move(attempt, "verified", data, ["returned"], tx, { events: [...answered, result], when: "always" }))
        await emitRecordEvent(tx, "verification.succeeded", record, {
          source: "flow",
          reference: attempt.referenceCode,
          application: attempt.auth0ClientId,
        });
      return { kind: "resume", attempt };
    }
    await addEvents(attempt, answered, tx);
    await tx.attempt.update({ where: { id: attempt.id }, data: { recordId: record.id, checkedAt, providerUuid: answer.uuid } });
    await fail(
      attempt,
      attempt.policy === "identity"
        ? new FlowError("identity_not_verified", "the provider did not report the person's identity as verified")
        : new FlowError(
            "group_not_verified",
            `the provider did not report group ${attempt.requiredGroup ?? "(none configured)"} as verified`,
          ),
      tx,
    );
    return { kind: "outcome", attempt };
  });
}

export interface ContinueForm {
  action: string;
  token: string;
  method: "post" | "get";
}

/** The way back to Auth0 for an ended attempt; null when Auth0's state never arrived. */
export async function resume(attempt: Attempt): Promise<ContinueForm | null> {
  if (!attempt.auth0State || !TERMINAL.has(attempt.status)) return null;
  if (await refuseExpiredTransaction(attempt)) return null;
  const e = env();
  const db = await getDb();
  const record = attempt.recordId ? await db.verificationRecord.findUnique({ where: { id: attempt.recordId } }) : null;
  const status = returnStatusFor(attempt.status);
  const s = await currentSettings(attempt.auth0ClientId);
  // `required`: the portal-side equivalent of IDV_REQUIRED, so the Action refuses a failed login even if Auth0's metadata lacks it.
  const extra: Record<string, unknown> = {
    ref: attempt.referenceCode,
    provider: attempt.provider,
    policy: attempt.policy,
    required: s.required,
    // The Auth0 user whose token opened the attempt: the Action refuses the reply for anyone else.
    auth0_user_id: attempt.auth0UserId ?? undefined,
  };
  if (status === "success" && record) extra.groups = verifiedGroups(record).filter(isSafeGroupName);
  const token = await signReturnToken(
    {
      state: attempt.auth0State,
      sub: attempt.personId ?? undefined,
      status,
      checkedAt: attempt.checkedAt ?? new Date(),
      extra,
    },
    { secret: e.AUTH0_TOKEN_SECRET, issuer: e.PORTAL_URL },
  );
  await markResumed(attempt);
  log("info", "resuming login", { ref: attempt.referenceCode, status });
  return { action: auth0ContinueUrl(e.AUTH0_DOMAIN, attempt.auth0State), token, method: s.returnMethod };
}

/** Last resort for an unexpected error: record it if the database still answers. */
export async function recordUnexpected(attempt: Attempt | null, err: unknown, req?: FlowRequest): Promise<Attempt | null> {
  const isDb = /prisma|database|ECONNREFUSED|connect|pglite/i.test(`${(err as Error)?.name} ${(err as Error)?.message}`);
  log("error", "unexpected error in the verification flow", {
    ref: attempt?.referenceCode,
    error: (err as Error)?.name ?? "Error",
    code: isDb ? "database_error" : "internal_error",
  });
  try {
    const code = isDb ? "database_error" : "internal_error";
    if (attempt) {
      await fail(attempt, new FlowError(code, "the portal failed while handling this step; see the server log for this reference code"));
      return (await findAttempt(attempt.id)) ?? attempt;
    }
    return await openFailedAttempt(
      { ...(await defaults()), browserHash: req ? browserHash(req.browserSecret) : null },
      code,
      "the portal failed before the attempt could be opened",
    );
  } catch {
    return attempt;
  }
}

export { findAttempt };
