import { redirect } from "next/navigation";
import { z } from "zod";
import { transaction, type Tx } from "../db/client";
import { writeAudit, type AuditAction, type AuditEntry } from "../audit";
import { log } from "../log";
import { currentStaff, type Role, type Staff } from "./session";
import { staffSignInConfigured } from "./auth0";

/**
 * The one place where admin pages, server actions and API routes check who is
 * asking. Every admin entry point goes through `guardPage`, `staffAction`,
 * `staffFormAction` or `staffRoute`; e2e and unit tests prove each refuses
 * anonymous visitors and support staff where it should.
 *
 * It also owns the transaction: an action's body gets a transaction client
 * (`ctx.tx`) and an `audit` that writes through it, so a change and its audit
 * entry land together or not at all ("no audit, no change").
 */

export type SignedIn = Staff & { role: Role };

export type AccessProblem = "anonymous" | "no_role" | "forbidden";

export class AccessError extends Error {
  constructor(readonly problem: AccessProblem) {
    super(problem === "anonymous" ? "sign in first" : problem === "no_role" ? "no role in this portal" : "your role may not do this");
    this.name = "AccessError";
  }
}

const RANK: Record<Role, number> = { support: 1, admin: 2 };

export function allows(staff: Staff | null, need: Role): AccessProblem | null {
  if (!staff) return "anonymous";
  if (!staff.role) return "no_role";
  return RANK[staff.role] >= RANK[need] ? null : "forbidden";
}

export async function requireStaff(need: Role): Promise<SignedIn> {
  const staff = await currentStaff();
  const problem = allows(staff, need);
  if (problem) throw new AccessError(problem);
  return staff as SignedIn;
}

/** For server-rendered admin pages: anonymous → sign in; no role → "no access"; too little → "forbidden". */
export async function guardPage(need: Role, returnTo: string): Promise<SignedIn> {
  if (!staffSignInConfigured()) redirect("/admin/no-access");
  const staff = await currentStaff();
  const problem = allows(staff, need);
  if (problem === "anonymous") redirect(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
  if (problem === "no_role") redirect("/admin/no-access");
  if (problem === "forbidden") redirect(`/admin/forbidden?from=${encodeURIComponent(returnTo)}`);
  return staff as SignedIn;
}

export interface ActionError {
  code: "anonymous" | "no_role" | "forbidden" | "invalid" | "not_found" | "conflict" | "failed";
  message: string;
  fieldErrors?: Record<string, string[]>;
}

export type ActionResult<T> = { ok: true; data: T } | { ok: false; error: ActionError };

/** Thrown inside an action body for an expected failure with a message for the form. */
export class ActionFailure extends Error {
  constructor(
    readonly code: ActionError["code"],
    message: string,
    readonly fieldErrors?: Record<string, string[]>,
  ) {
    super(message);
  }
}

const ACTIONS = new Map<string, Role>();
/** Every guarded action registers here; a test checks all of them. */
export function guardedActions(): ReadonlyMap<string, Role> {
  return ACTIONS;
}

function fieldErrors(error: z.ZodError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const issue of error.issues) {
    const key = issue.path.join(".") || "_";
    (out[key] ??= []).push(issue.message);
  }
  return out;
}

/**
 * A server action that checks the role, then validates its input with the
 * same zod schema the form uses. Next.js refuses server actions whose Origin
 * does not match the host, which protects them against cross-site requests.
 */
export interface Guarded {
  guard: { name: string; need: Role };
}

/** What an action's body works with: one transaction for its reads, its writes and its audit entry. */
export interface ActionContext {
  tx: Tx;
  /** Writes the audit entry through `tx`: if it fails, nothing the body wrote is kept. */
  audit(action: AuditAction, entry?: AuditEntry): Promise<void>;
}

/** What an admin route works with: its audit entry is written (and committed) before it answers. */
export interface RouteContext {
  audit(action: AuditAction, entry?: AuditEntry): Promise<void>;
}

function tag<F extends (...args: never[]) => unknown>(fn: F, name: string, need: Role): F & Guarded {
  return Object.assign(fn, { guard: { name, need } });
}

export function staffAction<S extends z.ZodType, R>(
  name: string,
  need: Role,
  schema: S,
  body: (staff: SignedIn, input: z.output<S>, ctx: ActionContext) => Promise<R>,
) {
  ACTIONS.set(name, need);
  return tag(
    async (input: unknown): Promise<ActionResult<R>> => {
      const staff = await currentStaff();
      const problem = allows(staff, need);
      if (problem) {
        log("warn", "admin action refused", { step: name, code: problem });
        return { ok: false, error: { code: problem, message: new AccessError(problem).message } };
      }
      const parsed = schema.safeParse(input);
      if (!parsed.success)
        return { ok: false, error: { code: "invalid", message: "Some fields need attention.", fieldErrors: fieldErrors(parsed.error) } };
      const signedIn = staff as SignedIn;
      try {
        const data = await transaction((tx) =>
          body(signedIn, parsed.data, { tx, audit: (action, entry) => writeAudit(tx, signedIn, action, entry) }),
        );
        return { ok: true, data };
      } catch (err) {
        if (err instanceof ActionFailure)
          return { ok: false, error: { code: err.code, message: err.message, fieldErrors: err.fieldErrors } };
        log("error", "admin action failed", { step: name, error: (err as Error)?.name });
        return { ok: false, error: { code: "failed", message: "The change could not be saved. Try again; nothing was changed." } };
      }
    },
    name,
    need,
  );
}

/** Turns a form's FormData into a plain object (repeated names become arrays). */
export function formObject(form: FormData): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of form.entries()) {
    if (typeof v !== "string") continue;
    if (k.startsWith("$ACTION")) continue;
    if (k in out) out[k] = ([] as unknown[]).concat(out[k], v);
    else out[k] = v;
  }
  return out;
}

export type FormState<T = unknown> = (ActionResult<T> & { values?: Record<string, unknown> }) | null;

/** A staffAction for `useActionState` forms: (previous state, FormData) → state, keeping what was typed. */
export function staffFormAction<S extends z.ZodType, R>(
  name: string,
  need: Role,
  schema: S,
  body: (staff: SignedIn, input: z.output<S>, ctx: ActionContext) => Promise<R>,
) {
  const action = staffAction(name, need, schema, body);
  return tag(
    async (_prev: FormState<R>, form: FormData): Promise<FormState<R>> => {
      const values = form instanceof FormData ? formObject(form) : {};
      const result = await action(values);
      // What was typed goes back to the form, except anything secret.
      const echo = Object.fromEntries(Object.entries(values).filter(([k]) => !/secret|password|token/i.test(k)));
      return { ...result, values: echo };
    },
    name,
    need,
  );
}

/** Keeps the guard's marks on a wrapper of a guarded action (e.g. one that redirects after success). */
export function sameGuard<F extends object>(wrapper: F, guarded: object): F {
  const mark = Object.getOwnPropertyDescriptor(guarded, "guard");
  if (mark) Object.defineProperty(wrapper, "guard", mark);
  return wrapper;
}

/** An admin API route: 401 for anonymous, 403 for too little. */
export function staffRoute(name: string, need: Role, handler: (request: Request, staff: SignedIn, ctx: RouteContext) => Promise<Response>) {
  ACTIONS.set(name, need);
  return tag(
    async (request: Request): Promise<Response> => {
      const staff = await currentStaff();
      const problem = allows(staff, need);
      if (problem) {
        return Response.json(
          { error: problem, message: new AccessError(problem).message },
          { status: problem === "anonymous" ? 401 : 403 },
        );
      }
      const signedIn = staff as SignedIn;
      return handler(request, signedIn, { audit: (action, entry) => transaction((tx) => writeAudit(tx, signedIn, action, entry)) });
    },
    name,
    need,
  );
}
