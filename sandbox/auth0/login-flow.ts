import path from "node:path";
import { errors } from "oidc-provider";
import {
  loadAction,
  runContinuePostLogin,
  runPostLogin,
  type ActionClient,
  type ActionUser,
  type RunInput,
  type RunResult,
} from "./runtime";
import type { TenantClient, TenantUser } from "./tenant-data";
import { randomToken, type TenantState } from "./tenant-state";

/**
 * The tenant's Login flow: each Action's onExecutePostLogin in order (loaded
 * afresh, through ./runtime), pausing at a redirect until /continue runs that
 * Action's onContinuePostLogin; a refresh-token exchange runs it without the
 * possibility of a redirect.
 */

function actionUser(t: TenantState, user: TenantUser): ActionUser {
  return {
    user_id: user.user_id,
    email: user.email,
    email_verified: user.email_verified ?? true,
    name: user.name,
    app_metadata: structuredClone(t.appMetadata.get(user.user_id) ?? {}),
    user_metadata: structuredClone(user.user_metadata ?? {}),
  };
}

function actionClient(client: TenantClient): ActionClient {
  return { client_id: client.client_id, name: client.name, metadata: { ...client.metadata } };
}

/** One execution of the Login flow: a login (interactive) or a refresh-token exchange. */
export interface FlowRun {
  userId: string;
  clientId: string;
  state: string;
  canRedirect: boolean;
  protocol: string;
  request?: RunInput["request"];
}

type Handler = "onExecutePostLogin" | "onContinuePostLogin";

/**
 * Loads Action `index` of the flow afresh (edits apply without a restart) and runs one
 * handler with its own secrets and configuration; never throws.
 */
export async function runAction(t: TenantState, index: number, handler: Handler, run: FlowRun): Promise<RunResult> {
  const a = t.actions[index]!;
  const user = t.users.get(run.userId)!;
  const client = t.clients.get(run.clientId)!;
  const input: RunInput = {
    tenantDomain: t.domain,
    secrets: { ...a.secrets },
    configuration: { ...a.configuration },
    user: actionUser(t, user),
    client: actionClient(client),
    canRedirect: run.canRedirect,
    state: run.state,
    protocol: run.protocol,
    roles: [...(user.roles ?? [])],
    ...(run.request ? { request: run.request } : {}),
  };
  try {
    const action = loadAction(a.file);
    const result = handler === "onExecutePostLogin" ? await runPostLogin(action, input) : await runContinuePostLogin(action, input);
    // Like Auth0, metadata the Action set is saved unless the Action failed (a denial keeps it).
    if (!result.error) t.appMetadata.set(user.user_id, structuredClone(result.appMetadata));
    return result;
  } catch (err) {
    return {
      redirect: null,
      denied: null,
      idTokenClaims: {},
      accessTokenClaims: {},
      appMetadata: input.user.app_metadata,
      error: err instanceof Error ? err : new Error(String(err)),
    };
  }
}

/** Where the Login flow ends for now. */
export type Verdict =
  | { kind: "allow"; claims: Record<string, unknown> }
  | { kind: "redirect"; url: string; index: number; claims: Record<string, unknown> }
  | { kind: "deny"; reason: string };

/** Runs the flow's Actions from `from` on (their onExecutePostLogin), carrying the ID token claims set so far. */
export async function runFlow(t: TenantState, run: FlowRun, from: number, claims: Record<string, unknown>): Promise<Verdict> {
  if (from >= t.actions.length) return { kind: "allow", claims: emittableClaims(t, claims) };
  return settle(t, run, from, claims, await runAction(t, from, "onExecutePostLogin", run));
}

/** Acts on Action `index`'s result: a failure or a denial ends the flow, a redirect pauses it, else the next Action runs. */
export async function settle(t: TenantState, run: FlowRun, index: number, claims: Record<string, unknown>, r: RunResult): Promise<Verdict> {
  if (r.error) {
    console.error(`[auth0-standin] the Action ${path.basename(t.actions[index]!.file)} failed: ${r.error.message}`);
    return { kind: "deny", reason: r.error.message };
  }
  if (r.denied) return { kind: "deny", reason: r.denied.reason };
  const all = { ...claims, ...r.idTokenClaims };
  if (r.redirect) return { kind: "redirect", url: r.redirect.url, index, claims: all };
  return runFlow(t, run, index + 1, all);
}

/** The Actions' ID token claims that oidc-provider will emit; warns once about the others. */
function emittableClaims(t: TenantState, claims: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(claims)) {
    if (t.actionClaims.has(name)) {
      out[name] = value;
    } else if (!t.warnedClaims.has(name)) {
      t.warnedClaims.add(name);
      console.warn(
        `[auth0-standin] an Action set the ID token claim "${name}", which the stand-in does not emit (add it to extraIdTokenClaims)`,
      );
    }
  }
  return out;
}

/** Refresh-token exchange: the Login flow runs without the possibility of a redirect. */
export async function refreshTokenFlow(t: TenantState, user: TenantUser, clientId: string, grantId: string): Promise<void> {
  if (!t.clients.has(clientId)) return;
  const run: FlowRun = { userId: user.user_id, clientId, state: randomToken(), canRedirect: false, protocol: "oauth2-refresh-token" };
  const verdict = await runFlow(t, run, 0, {});
  if (verdict.kind === "allow") {
    t.grantClaims.set(grantId, verdict.claims);
    return;
  }
  const reason = verdict.kind === "deny" ? verdict.reason : "a redirect is not possible in a refresh-token exchange";
  // Auth0 answers a denied refresh-token exchange with 403 access_denied.
  throw Object.assign(new errors.AccessDenied(reason), { status: 403, statusCode: 403 });
}
