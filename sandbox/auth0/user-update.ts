/**
 * Auth0's "Update a user" (PATCH /api/v2/users/{id}) body, checked and applied as Auth0
 * documents it, for the stand-in's users (all on the database connection
 * "Username-Password-Authentication").
 *
 * Accepted at the root: app_metadata, user_metadata (merged at the first level: a key set to
 * null is removed, an empty object removes all of it), blocked, email, email_verified,
 * verify_email, name, given_name, family_name, nickname, picture, password, connection,
 * client_id. The other properties replace the stored ones; null unsets a supported attribute.
 * Changing the email sets email_verified to false unless the same body says otherwise.
 *
 * Refused as Auth0 refuses, with its 400 body ({statusCode, error, message, errorCode}):
 * an empty body, a property Auth0 does not take ("Additional properties not allowed"), a wrong
 * type or length, and what does not apply to a database user that needs no username:
 * username, phone_number, phone_verified, verify_phone_number.
 *
 * Where Auth0 does more than a stand-in can: verify_email sends no email here, and a new
 * password is not checked against a password policy (the stand-in's connection has none).
 */
import type { TenantUser } from "./tenant-data";

export const DATABASE_CONNECTION = "Username-Password-Authentication";

export interface UpdateError {
  status: 400;
  message: string;
  errorCode?: string;
}

/** What a valid body asks for, ready to apply. */
export interface UserUpdate {
  /** Whether it touches more than the metadata (update:users_app_metadata does not allow that). */
  rootAttributes: boolean;
  apply(user: TenantUser, appMetadata: Record<string, unknown>): { user: TenantUser; appMetadata: Record<string, unknown> };
}

type Rule =
  | { kind: "metadata"; about: string }
  | { kind: "boolean"; about: string }
  | { kind: "string"; about: string; nullable: boolean; min?: number; max?: number; format?: "email" | "strict-uri" };

// Auth0's schema for the body (descriptions as Auth0 words them; they appear in its errors).
const RULES: Record<string, Rule> = {
  app_metadata: { kind: "metadata", about: "User metadata to which this user has read-only access" },
  user_metadata: { kind: "metadata", about: "User metadata to which this user has read/write access" },
  blocked: { kind: "boolean", about: "Whether this user was blocked by an administrator (true) or not (false)" },
  email_verified: { kind: "boolean", about: "Whether this email address is verified (true) or unverified (false)" },
  verify_email: { kind: "boolean", about: "Whether this user will receive a verification email after creation (true) or no email (false)" },
  email: { kind: "string", about: "Email address of this user", nullable: true, format: "email" },
  given_name: { kind: "string", about: "Given name/first name/forename of this user", nullable: true, min: 1, max: 150 },
  family_name: { kind: "string", about: "Family name/last name/surname of this user", nullable: true, min: 1, max: 150 },
  name: { kind: "string", about: "Name of this user", nullable: true, min: 1, max: 300 },
  nickname: { kind: "string", about: "Preferred nickname or alias of this user", nullable: true, min: 1, max: 300 },
  picture: { kind: "string", about: "URL to picture, photo, or avatar of this user", nullable: true, format: "strict-uri" },
  password: { kind: "string", about: "New password for this user", nullable: true, min: 1 },
  connection: { kind: "string", about: "Name of the connection to target for this user update", nullable: false, min: 1 },
  client_id: { kind: "string", about: "Auth0 client ID. Only valid when updating email address", nullable: false, min: 1 },
};

/** Auth0 knows these, but they do not apply to a database connection without usernames, nor to its users. */
const NOT_FOR_THIS_CONNECTION = new Set(["username", "phone_number", "phone_verified", "verify_phone_number"]);
const METADATA_ONLY = new Set(["app_metadata", "user_metadata"]);

const invalid = (message: string): UpdateError => ({
  status: 400,
  message: `Payload validation error: '${message}`,
  errorCode: "invalid_body",
});
const refused = (message: string): UpdateError => ({ status: 400, message, errorCode: "invalid_body" });
const typeOf = (v: unknown) =>
  v === null ? "null" : Array.isArray(v) ? "array" : typeof v === "number" && Number.isInteger(v) ? "integer" : typeof v;

/** Checks a parsed body against Auth0's rules; an UpdateError says what Auth0 would answer. */
export function parseUserUpdate(body: unknown): UserUpdate | UpdateError {
  if (!body || typeof body !== "object" || Array.isArray(body)) return invalid(`Expected type object but found type ${typeOf(body)}'.`);
  const fields = body as Record<string, unknown>;
  const keys = Object.keys(fields);
  if (!keys.length) return invalid("Too few properties defined (0), minimum 1'.");
  const unknown = keys.filter((k) => !RULES[k] && !NOT_FOR_THIS_CONNECTION.has(k));
  if (unknown.length)
    return invalid(
      `Additional properties not allowed: ${unknown.join(",").slice(0, 200)} (consider storing them in app_metadata or user_metadata. See "Users Metadata" in https://auth0.com/docs/api/v2/changes for more details)'.`,
    );

  for (const key of keys) {
    const rule = RULES[key];
    if (!rule) continue;
    const error = check(key, rule, fields[key]);
    if (error) return error;
  }
  // Refusals Auth0 documents without quoting its words: the shape is Auth0's, the wording the stand-in's.
  const notHere = keys.find((k) => NOT_FOR_THIS_CONNECTION.has(k));
  if (notHere === "username") return refused("username can only be updated on a connection that requires a username.");
  if (notHere) return refused(`${notHere} can only be updated for users of an SMS connection.`);
  if (fields.connection !== undefined && fields.connection !== DATABASE_CONNECTION)
    return refused("The user has no identity on the connection given.");
  if (fields.email === null) return refused("The email of a database user cannot be removed.");
  if (fields.password === null) return refused("The password of a database user cannot be removed.");

  return {
    rootAttributes: keys.some((k) => !METADATA_ONLY.has(k)),
    apply(current, currentApp) {
      const user = structuredClone(current);
      const appMetadata = fields.app_metadata
        ? merge(currentApp, fields.app_metadata as Record<string, unknown>)
        : structuredClone(currentApp);
      if (fields.user_metadata) user.user_metadata = merge(user.user_metadata ?? {}, fields.user_metadata as Record<string, unknown>);
      if (typeof fields.blocked === "boolean") user.blocked = fields.blocked;
      if (typeof fields.email === "string") {
        const email = fields.email.toLowerCase();
        // A new address is unverified until someone says otherwise (Auth0 then mails the user unless verify_email is false).
        if (email !== user.email.toLowerCase()) user.email_verified = false;
        user.email = email;
      }
      if (typeof fields.email_verified === "boolean") user.email_verified = fields.email_verified;
      if (typeof fields.password === "string") user.password = fields.password;
      // Unset, a database user's name is their email again (Auth0's default); the nickname is derived from the email when not set.
      if (fields.name !== undefined) user.name = (fields.name as string | null) ?? user.email;
      for (const k of ["given_name", "family_name", "nickname", "picture"] as const) {
        if (fields[k] === null) delete user[k];
        else if (typeof fields[k] === "string") user[k] = fields[k] as string;
      }
      return { user, appMetadata };
    },
  };
}

function check(key: string, rule: Rule, value: unknown): UpdateError | undefined {
  const on = `' on property ${key} (${rule.about}).`;
  const found = typeOf(value);
  if (rule.kind === "metadata") return found === "object" ? undefined : invalid(`Expected type object but found type ${found}${on}`);
  if (rule.kind === "boolean") return found === "boolean" ? undefined : invalid(`Expected type boolean but found type ${found}${on}`);
  if (value === null && rule.nullable) return undefined;
  if (typeof value !== "string") return invalid(`Expected type ${rule.nullable ? "string,null" : "string"} but found type ${found}${on}`);
  if (rule.min !== undefined && value.length < rule.min)
    return invalid(`String is too short (${value.length} chars), minimum ${rule.min}${on}`);
  if (rule.max !== undefined && value.length > rule.max)
    return invalid(`String is too long (${value.length} chars), maximum ${rule.max}${on}`);
  // The value itself stays out of the message: it is personal data.
  if (rule.format && !FORMATS[rule.format](value)) return invalid(`Object didn't pass validation for format ${rule.format}${on}`);
  return undefined;
}

const FORMATS = {
  email: (v: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v),
  "strict-uri": (v: string) => {
    try {
      const u = new URL(v);
      return (u.protocol === "https:" || u.protocol === "http:") && Boolean(u.hostname);
    } catch {
      return false;
    }
  },
};

/** Auth0's metadata merge: only the first level; null removes a key; {} removes everything. */
function merge(current: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const entries = Object.entries(patch);
  if (!entries.length) return {};
  const next = structuredClone(current);
  for (const [k, v] of entries) {
    if (v === null) delete next[k];
    else next[k] = structuredClone(v);
  }
  return next;
}
