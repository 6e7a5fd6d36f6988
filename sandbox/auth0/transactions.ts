import type { IncomingMessage, ServerResponse } from "node:http";
import type { InteractionResults } from "oidc-provider";
import { readBody, sendHtml } from "../shared/http";
import { runAction, runFlow, settle, type FlowRun, type Verdict } from "./login-flow";
import type { RunInput } from "./runtime";
import { loginExpired, page, signInPage } from "./tenant-pages";
import { FORM_LIMIT, TRANSACTION_TTL_MS, randomToken, type TenantState, type Transaction } from "./tenant-state";

/**
 * Login transactions: the sign-in page's answer starts the Login flow; a
 * redirecting Action leaves the transaction waiting (one hour from the
 * authorization request, used once) for /continue; the flow's verdict ends
 * the login at oidc-provider (a grant carrying the Actions' claims) or denies it.
 */

/** The parts of oidc-provider's Interaction model used to finish a login from /continue. */
interface InteractionRecord {
  uid: string;
  exp: number;
  returnTo: string;
  params: Record<string, unknown>;
  result?: InteractionResults;
  save(ttl: number): Promise<string>;
}
interface InteractionModel {
  find(uid: string): Promise<InteractionRecord | undefined>;
}

export async function signIn(t: TenantState, req: IncomingMessage, res: ServerResponse, uid: string) {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"));
  }
  let details;
  try {
    details = await t.provider.interactionDetails(req, res);
  } catch {
    return sendHtml(
      res,
      400,
      page("Login expired", "<h2>This login has expired or is unknown.</h2><p>Start again from the application.</p>"),
    );
  }
  if (details.uid !== uid) {
    return sendHtml(
      res,
      400,
      page("Login mismatch", "<h2>This login does not match your browser session.</h2><p>Start again from the application.</p>"),
    );
  }
  const client = t.clients.get(String(details.params.client_id ?? ""));
  if (!client) return sendHtml(res, 400, page("Unknown application", "<h2>This application is not registered on the tenant.</h2>"));

  if (req.method === "GET") return sendHtml(res, 200, signInPage(t, client, uid));

  const form = new URLSearchParams(await readBody(req, FORM_LIMIT));
  const userId = form.get("user_id") ?? "";
  const user = t.users.get(userId);
  if (!user) return sendHtml(res, 400, signInPage(t, client, uid, { error: "Choose one of the test users." }));
  if (form.get("password") !== user.password) {
    return sendHtml(res, 401, signInPage(t, client, uid, { error: "Wrong email or password.", userId }));
  }
  // Auth0 ends the login of a user an administrator blocked, back at the application.
  if (user.blocked) return finishWith(t, res, uid, { error: "unauthorized", error_description: "user is blocked" });

  // The login transaction began with the authorization request (oidc-provider's interaction).
  const iat = (details as { iat?: number }).iat;
  const now = t.clock();
  const tx: Transaction = {
    state: randomToken(),
    uid,
    userId: user.user_id,
    clientId: client.client_id,
    startedAt: typeof iat === "number" ? now - Math.max(0, Date.now() - iat * 1000) : now,
    actionIndex: -1,
    claims: {},
    continued: false,
  };
  const run = flowRun(tx, { ip: req.socket.remoteAddress, query: stringEntries(details.params) });
  return conclude(t, res, tx, await runFlow(t, run, 0, {}));
}

function flowRun(tx: Transaction, request: RunInput["request"]): FlowRun {
  return { userId: tx.userId, clientId: tx.clientId, state: tx.state, canRedirect: true, protocol: "oidc-basic-profile", request };
}

/** GET /continue?state=…&token=…  or  POST /continue?state=… (form: token=…) */
export async function continueLogin(t: TenantState, req: IncomingMessage, res: ServerResponse, reqUrl: URL) {
  if (req.method !== "GET" && req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return sendHtml(res, 405, page("Method not allowed", "<p>Method not allowed.</p>"));
  }
  const body = req.method === "POST" ? Object.fromEntries(new URLSearchParams(await readBody(req, FORM_LIMIT))) : undefined;
  const state = reqUrl.searchParams.get("state") ?? "";
  const tx = t.transactions.get(state);
  if (tx && t.clock() - tx.startedAt >= TRANSACTION_TTL_MS) {
    // Auth0 keeps a login transaction for one hour; after that the state is dead.
    t.transactions.delete(state);
    return sendHtml(
      res,
      400,
      page(
        "Login expired",
        `<h2 data-testid="continue-error">This login has expired</h2>
         <p>The login transaction is older than one hour. Start again from the application.</p>`,
      ),
    );
  }
  sweepTransactions(t);
  if (!tx || tx.continued) {
    return sendHtml(
      res,
      400,
      page(
        "Invalid state",
        `<h2 data-testid="continue-error">This login cannot be continued</h2>
         <p>The <code>state</code> is unknown, has expired, or was already used. Start again from the application.</p>`,
      ),
    );
  }
  tx.continued = true;
  if (!t.users.has(tx.userId) || !t.clients.has(tx.clientId)) {
    return finishWith(t, res, tx.uid, { error: "access_denied", error_description: "unknown user or application" });
  }
  const run = flowRun(tx, {
    ip: req.socket.remoteAddress,
    query: Object.fromEntries(reqUrl.searchParams),
    ...(body ? { body } : {}),
  });
  const result = await runAction(t, tx.actionIndex, "onContinuePostLogin", run);
  return conclude(t, res, tx, await settle(t, run, tx.actionIndex, tx.claims, result));
}

/** Acts on the flow's verdict: redirect and wait, deny, or finish the login. */
async function conclude(t: TenantState, res: ServerResponse, tx: Transaction, verdict: Verdict) {
  switch (verdict.kind) {
    case "redirect":
      // The transaction (same state, same start) waits for /continue at this Action.
      t.transactions.set(tx.state, { ...tx, actionIndex: verdict.index, claims: verdict.claims, continued: false });
      res.statusCode = 302;
      res.setHeader("Location", verdict.url);
      res.setHeader("Cache-Control", "no-store");
      res.end();
      return;
    case "deny":
      t.transactions.delete(tx.state);
      return finishWith(t, res, tx.uid, { error: "access_denied", error_description: verdict.reason });
    case "allow":
      t.transactions.delete(tx.state);
      return finishLogin(t, res, tx.uid, tx.userId, tx.clientId, verdict.claims);
  }
}

async function finishLogin(
  t: TenantState,
  res: ServerResponse,
  uid: string,
  accountId: string,
  clientId: string,
  claims: Record<string, unknown>,
) {
  const interaction = await interactions(t).find(uid);
  if (!interaction) return loginExpired(res);
  const grant = new t.provider.Grant({ accountId, clientId });
  const scope = interaction.params.scope;
  if (typeof scope === "string" && scope) grant.addOIDCScope(scope);
  const grantId = await grant.save();
  t.grantClaims.set(grantId, claims);
  return finishWith(t, res, uid, { login: { accountId, remember: false }, consent: { grantId } });
}

/**
 * Stores the interaction's result and sends the browser to oidc-provider's resume URL.
 * By uid rather than by the interaction cookie, which is scoped to the sign-in page's
 * path and so is not sent to /continue. (The resume cookie still binds the browser.)
 */
async function finishWith(t: TenantState, res: ServerResponse, uid: string, result: InteractionResults) {
  const interaction = await interactions(t).find(uid);
  if (!interaction) return loginExpired(res);
  interaction.result = result;
  await interaction.save(Math.max(1, interaction.exp - Math.floor(Date.now() / 1000)));
  res.statusCode = 303;
  res.setHeader("Location", interaction.returnTo);
  res.setHeader("Cache-Control", "no-store");
  res.end();
}

function interactions(t: TenantState): InteractionModel {
  // sandbox/idme/oidc-provider.d.ts does not declare the Interaction model.
  return (t.provider as unknown as { Interaction: InteractionModel }).Interaction;
}

function sweepTransactions(t: TenantState) {
  const now = t.clock();
  for (const [state, tx] of t.transactions) if (now - tx.startedAt >= TRANSACTION_TTL_MS) t.transactions.delete(state);
}

function stringEntries(params: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) if (typeof v === "string") out[k] = v;
  return out;
}
