import { env } from "../env";
import { staffAuth } from "./auth0";

/**
 * Who is signed in to the admin pages, and with which role. Roles come from the
 * configured claim of the staff member's ID token (STAFF_ROLES_CLAIM, put there by
 * auth0/actions/staff-roles.js): exactly the Auth0 role names idv-admin and
 * idv-support, nothing looser (a tenant's plain "admin" role means something else).
 * Emails in STAFF_ADMIN_EMAILS are admins too (for the first sign-in, before roles
 * exist), but only when Auth0 says the email is verified: anyone can sign up with an
 * address they do not own.
 */

export type Role = "admin" | "support";

export interface Staff {
  id: string;
  email: string | null;
  name: string | null;
  /** null: signed in, but no role in this portal. */
  role: Role | null;
}

/** The Auth0 role names that grant a portal role, exactly (case included). */
export const ROLE_NAMES: Readonly<Record<string, Role>> = Object.freeze({ "idv-admin": "admin", "idv-support": "support" });

export function roleOf(roles: readonly string[], email: string | null, emailVerified: boolean): Role | null {
  const mapped = roles.filter((r) => Object.hasOwn(ROLE_NAMES, r)).map((r) => ROLE_NAMES[r]);
  if (mapped.includes("admin")) return "admin";
  if (email && emailVerified && env().STAFF_ADMIN_EMAILS.includes(email.trim().toLowerCase())) return "admin";
  if (mapped.includes("support")) return "support";
  return null;
}

type Source = () => Promise<Staff | null>;
const override: { source?: Source } = ((globalThis as { __idvStaffSource?: { source?: Source } }).__idvStaffSource ??= {});

/** Tests only: replaces the session lookup (refused outside NODE_ENV=test). */
export function setStaffSourceForTests(source: Source | undefined): void {
  if (process.env.NODE_ENV !== "test") throw new Error("setStaffSourceForTests is for tests only");
  override.source = source;
}

export async function currentStaff(): Promise<Staff | null> {
  if (override.source && process.env.NODE_ENV === "test") return override.source();
  const auth = staffAuth();
  if (!auth) return null;
  const session = await auth.getSession();
  if (!session) return null;
  const u = session.user as { sub: string; email?: string; email_verified?: boolean; name?: string; roles?: string[] };
  const email = u.email ?? null;
  return { id: u.sub, email, name: u.name ?? null, role: roleOf(u.roles ?? [], email, u.email_verified === true) };
}
