import { z } from "zod";
import { KEY_ID, parseEncryptionKey, type KeyRing } from "../crypto/seal";

/**
 * The portal's configuration, parsed once from the environment. Every other
 * module asks `env()`; nothing reads `process.env` directly.
 */

const IDME_BASES = {
  sandbox: "https://api.idmelabs.com",
  production: "https://api.id.me",
} as const;

const url = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`)
    .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), `must be an http(s) URL (${what})`)
    .transform((v) => v.replace(/\/+$/, ""));

const required = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, `is required (${what})`);

const optional = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v ? v : undefined));

const scopeList = z
  .string()
  .optional()
  .transform((v) => (v ?? "").split(/[\s,]+/).filter(Boolean));

const schema = z
  .object({
    AUTH0_DOMAIN: z
      .string({ error: "is required (the Auth0 tenant domain or custom domain, e.g. my-tenant.us.auth0.com)" })
      .trim()
      .min(1, "is required (the Auth0 tenant domain or custom domain, e.g. my-tenant.us.auth0.com)")
      .refine(
        (v) => /^[a-z0-9.-]+(:\d+)?$/i.test(v) || (URL.canParse(v) && /^https?:$/.test(new URL(v).protocol)),
        "must be a host name such as my-tenant.us.auth0.com (or an http(s) URL for a local stand-in)",
      )
      .transform((v) => v.replace(/\/+$/, "")),
    AUTH0_TOKEN_SECRET: z
      .string({ error: "is required (the Token Secret shared with the Auth0 Action)" })
      // HS256 keys shorter than the hash (32 bytes) make guessing cheaper (RFC 7518 §3.2).
      .min(32, "must be at least 32 characters (the Token Secret shared with the Auth0 Action; e.g. `openssl rand -hex 32`)"),
    PORTAL_URL: url("the public URL of this portal, e.g. https://verify.example.com"),
    IDME_ENVIRONMENT: z.enum(["sandbox", "production"], { error: "must be sandbox or production" }).default("sandbox"),
    IDME_BASE_URL: url("overrides the ID.me base URL").optional(),
    IDME_CLIENT_ID: required("the ID.me client id"),
    IDME_CLIENT_SECRET: required("the ID.me client secret"),
    IDME_SCOPES: scopeList,
    IDPARTNER_BASE_URL: url("overrides the IDPartner base URL").optional(),
    IDPARTNER_CLIENT_ID: optional,
    IDPARTNER_CLIENT_SECRET: optional,
    // IDPartner as a relying party (lib/providers/idpartner): how the banks authenticate the
    // portal, which bank issuers it accepts, and the mutual-TLS certificate (PEM, "\n" allowed).
    IDPARTNER_AUTH: z
      .enum(["client_secret_basic", "private_key_jwt", "tls_client_auth"], {
        error: "must be client_secret_basic, private_key_jwt or tls_client_auth",
      })
      .optional(),
    IDPARTNER_ALLOWED_ISSUERS: optional,
    IDPARTNER_TLS_CERT: optional,
    IDPARTNER_TLS_KEY: optional,
    IDPARTNER_TLS_CA: optional,
    IDV_POLICY: z.enum(["identity", "community"], { error: "must be identity or community" }).default("identity"),
    IDV_REQUIRED_GROUP: optional,
    IDV_REVERIFY_INTERVAL_HOURS: z.coerce
      .number({ error: "must be a whole number of hours" })
      .int("must be a whole number of hours")
      .min(0, "must be 0 or more hours")
      .default(720),
    IDV_RETURN_METHOD: z.enum(["post", "get"], { error: "must be post or get" }).default("post"),
    // Checked by the sealer's own parser, so a key that would fail at the first seal refuses the start.
    // The unnamed (legacy) key: seals in the v1 format when ENCRYPTION_KEYS is not set, and
    // opens values sealed before key rings (v1) when it is.
    ENCRYPTION_KEY: z
      .string()
      .optional()
      .transform((v) => (v && v.trim() ? v : undefined))
      .refine((v) => {
        if (v === undefined) return true;
        try {
          parseEncryptionKey(v);
          return true;
        } catch {
          return false;
        }
      }, "must be 32 bytes, given as 64 hex characters or canonical base64 / base64url (e.g. `openssl rand -hex 32`)"),
    // The key ring (README "Rotating the encryption key"): `<kid>:<key>` entries separated by
    // commas, the FIRST one active (new values are sealed with it), the others only open.
    ENCRYPTION_KEYS: z
      .string()
      .optional()
      .transform((v, ctx) => {
        const entries = (v ?? "")
          .split(/[\s,]+/)
          .map((x) => x.trim())
          .filter(Boolean);
        if (entries.length === 0) return undefined;
        const keys = new Map<string, Buffer>();
        for (const [i, entry] of entries.entries()) {
          const colon = entry.indexOf(":");
          const kid = colon > 0 ? entry.slice(0, colon) : "";
          if (!KEY_ID.test(kid)) {
            ctx.addIssue({
              code: "custom",
              message: `entry ${i + 1} must be <key id>:<key>, the key id 1–32 letters, digits, _ or - (e.g. k2:$(openssl rand -hex 32))`,
            });
            return z.NEVER;
          }
          if (keys.has(kid)) {
            ctx.addIssue({ code: "custom", message: `names key id "${kid}" twice` });
            return z.NEVER;
          }
          try {
            keys.set(kid, parseEncryptionKey(entry.slice(colon + 1)));
          } catch {
            ctx.addIssue({
              code: "custom",
              message: `key "${kid}" must be 32 bytes, given as 64 hex characters or canonical base64 / base64url`,
            });
            return z.NEVER;
          }
        }
        return { active: entries[0]!.slice(0, entries[0]!.indexOf(":")), keys };
      }),
    DATABASE_URL: z
      .string()
      .trim()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine(
        (v) => v === undefined || /^postgres(ql)?:\/\//.test(v),
        "must be a postgres:// or postgresql:// URL (leave unset for the embedded database)",
      ),
    DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).optional(),
    // Admission control of the login flow (lib/flow/admission.ts, README "Performance").
    IDV_ADMISSION_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
    IDV_ADMISSION_QUEUE: z.coerce.number().int().min(0).max(100_000).default(1000),
    IDV_ADMISSION_WAIT_MS: z.coerce.number().int().min(100).max(120_000).default(20_000),
    // The embedded database belongs to one process: in production it is refused unless this says it is meant.
    ALLOW_EMBEDDED_DATABASE: z
      .enum(["true", "false", ""], { error: "must be true or false" })
      .optional()
      .transform((v) => v === "true"),
    NODE_ENV: optional,
    PGLITE_DIR: z.string().trim().default(".data/pglite"),
    PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
    // Binding and limits (README, "Security").
    IDV_BIND_IP: z
      .enum(["true", "false"], { error: "must be true or false" })
      .default("false")
      .transform((v) => v === "true"),
    TRUSTED_PROXY_HOPS: z.coerce
      .number({ error: "must be a whole number of proxies" })
      .int("must be a whole number of proxies")
      .min(0, "must be 0 (no proxy) or more")
      .max(10, "must be at most 10")
      .default(0),
    RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().min(10, "must be at least 10 seconds").max(86_400).default(600),
    RATE_LIMIT_FLOW_FAILURES: z.coerce.number().int().min(1, "must be at least 1").max(100_000).default(20),
    RATE_LIMIT_STAFF_LOOKUPS: z.coerce.number().int().min(1, "must be at least 1").max(100_000).default(100),
    // Operations (README "Metrics"): the Prometheus endpoint's bearer token (unset = no
    // endpoint), and OpenTelemetry traces, off unless an exporter or endpoint is named. The
    // SDK reads the other OTEL_* variables (headers, service name, sampler) itself.
    METRICS_TOKEN: z
      .string()
      .optional()
      .transform((v) => (v ? v : undefined))
      .refine((v) => v === undefined || v.length >= 16, "must be at least 16 characters (e.g. `openssl rand -hex 32`)"),
    OTEL_SDK_DISABLED: z
      .enum(["true", "false", ""], { error: "must be true or false" })
      .optional()
      .transform((v) => v === "true"),
    OTEL_TRACES_EXPORTER: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? "")
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean),
      )
      .refine((l) => l.every((x) => ["otlp", "console", "none"].includes(x)), "must be otlp, console or none (comma-separated)"),
    OTEL_SERVICE_NAME: optional,
    OTEL_EXPORTER_OTLP_ENDPOINT: url("the OpenTelemetry collector, e.g. http://otel-collector:4318").optional(),
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: url("the collector's traces URL, e.g. http://otel-collector:4318/v1/traces").optional(),
    OTEL_EXPORTER_OTLP_PROTOCOL: z
      .enum(["http/protobuf", "http/json", "grpc"], { error: "must be http/protobuf, http/json or grpc" })
      .optional(),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: z
      .enum(["http/protobuf", "http/json", "grpc"], { error: "must be http/protobuf, http/json or grpc" })
      .optional(),
    // Staff sign-in (admin pages) with @auth0/nextjs-auth0. Optional: without it the
    // verification flow runs and the admin pages say sign-in is not configured.
    STAFF_AUTH0_DOMAIN: optional,
    STAFF_CLIENT_ID: optional,
    STAFF_CLIENT_SECRET: optional,
    STAFF_SESSION_SECRET: z
      .string()
      .optional()
      .refine((v) => v === undefined || v === "" || v.length >= 32, "must be at least 32 characters (e.g. `openssl rand -hex 32`)"),
    STAFF_ROLES_CLAIM: z.string().trim().default("https://idv-portal/roles"),
    // Staff search by Auth0 email or name (lib/auth0/management.ts): a machine-to-machine
    // application with read:users on the Management API. Optional: without it the people
    // page searches only what the portal holds, and says so.
    AUTH0_MANAGEMENT_DOMAIN: optional,
    AUTH0_MANAGEMENT_CLIENT_ID: optional,
    AUTH0_MANAGEMENT_CLIENT_SECRET: optional,
    // Revocations pushed to Auth0 (README "Revocation pushed to Auth0"): off by default. With the
    // Management API credentials above (update:users), a revocation or erasure clears the person's
    // app_metadata.id_verification at once; with _SESSIONS also (delete:sessions, delete:refresh_tokens)
    // their Auth0 sessions and refresh tokens.
    AUTH0_PUSH_REVOCATIONS: z
      .enum(["true", "false", ""], { error: "must be true or false" })
      .optional()
      .transform((v) => v === "true"),
    // Webhooks (README "Configuration"): in production, endpoints on this machine or a private network
    // are refused (lib/events/url.ts) unless this says such a receiver is meant.
    WEBHOOKS_ALLOW_PRIVATE: z
      .enum(["true", "false", ""], { error: "must be true or false" })
      .optional()
      .transform((v) => v === "true"),
    AUTH0_PUSH_REVOKE_SESSIONS: z
      .enum(["true", "false", ""], { error: "must be true or false" })
      .optional()
      .transform((v) => v === "true"),
    STAFF_ADMIN_EMAILS: z
      .string()
      .optional()
      .transform((v) =>
        (v ?? "")
          .split(/[\s,]+/)
          .map((e) => e.trim().toLowerCase())
          .filter(Boolean),
      ),
  })
  .superRefine((e, ctx) => {
    if (Boolean(e.AUTH0_MANAGEMENT_CLIENT_ID) !== Boolean(e.AUTH0_MANAGEMENT_CLIENT_SECRET)) {
      const missing = e.AUTH0_MANAGEMENT_CLIENT_ID ? "AUTH0_MANAGEMENT_CLIENT_SECRET" : "AUTH0_MANAGEMENT_CLIENT_ID";
      ctx.addIssue({
        code: "custom",
        path: [missing],
        message: "is required when the other is set (AUTH0_MANAGEMENT_CLIENT_ID and AUTH0_MANAGEMENT_CLIENT_SECRET go together)",
      });
    }
    if ((e.AUTH0_PUSH_REVOCATIONS || e.AUTH0_PUSH_REVOKE_SESSIONS) && !e.AUTH0_MANAGEMENT_CLIENT_ID) {
      ctx.addIssue({
        code: "custom",
        path: [e.AUTH0_PUSH_REVOCATIONS ? "AUTH0_PUSH_REVOCATIONS" : "AUTH0_PUSH_REVOKE_SESSIONS"],
        message: "needs AUTH0_MANAGEMENT_CLIENT_ID and AUTH0_MANAGEMENT_CLIENT_SECRET (a machine-to-machine application with update:users)",
      });
    }
    if (e.AUTH0_PUSH_REVOKE_SESSIONS && !e.AUTH0_PUSH_REVOCATIONS) {
      ctx.addIssue({ code: "custom", path: ["AUTH0_PUSH_REVOKE_SESSIONS"], message: "needs AUTH0_PUSH_REVOCATIONS=true" });
    }
    if (e.NODE_ENV === "production" && !e.DATABASE_URL && !e.ALLOW_EMBEDDED_DATABASE) {
      ctx.addIssue({
        code: "custom",
        path: ["DATABASE_URL"],
        message:
          "is required in production: without it this instance keeps its own embedded database, shared with no other instance " +
          "(set ALLOW_EMBEDDED_DATABASE=true for a single-instance deployment that means it)",
      });
    }
    const staff = [e.STAFF_CLIENT_ID, e.STAFF_CLIENT_SECRET, e.STAFF_SESSION_SECRET].filter(Boolean).length;
    if (staff > 0 && staff < 3) {
      for (const key of ["STAFF_CLIENT_ID", "STAFF_CLIENT_SECRET", "STAFF_SESSION_SECRET"] as const) {
        if (!e[key])
          ctx.addIssue({
            code: "custom",
            path: [key],
            message:
              "is required when staff sign-in is configured (STAFF_CLIENT_ID, STAFF_CLIENT_SECRET and STAFF_SESSION_SECRET go together)",
          });
      }
    }
  });

export type Env = z.output<typeof schema> & {
  idmeBaseUrl: string;
  /** ENCRYPTION_KEYS (active: the first) and ENCRYPTION_KEY (legacy) as one ring. */
  keyRing: KeyRing;
  /** The settings the environment gives (non-empty), as opposed to defaults: the admin settings page compares these. */
  provided: ReadonlySet<string>;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The portal cannot start; fix these settings:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Parses a given environment; throws ConfigError naming every bad setting. */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const result = schema.safeParse(source);
  // One of the two key settings: checked here, as the schema's own cross-field checks only run when every field parsed.
  const noKey = !(source.ENCRYPTION_KEY ?? "").trim() && !(source.ENCRYPTION_KEYS ?? "").trim();
  const keyProblem = noKey
    ? [
        "ENCRYPTION_KEY is required (32 bytes as 64 hex characters or base64; e.g. `openssl rand -hex 32`), or ENCRYPTION_KEYS for a key ring",
      ]
    : [];
  if (!result.success || keyProblem.length) {
    const problems = (result.error?.issues ?? []).map((issue) => `${issue.path.join(".") || "(environment)"} ${issue.message}`);
    throw new ConfigError([...new Set([...problems, ...keyProblem])]);
  }
  const e = result.data;
  const provided = new Set(Object.keys(schema.shape).filter((k) => (source[k] ?? "").trim() !== ""));
  const keyRing: KeyRing = {
    active: e.ENCRYPTION_KEYS?.active ?? null,
    keys: e.ENCRYPTION_KEYS?.keys ?? new Map(),
    legacy: e.ENCRYPTION_KEY ? parseEncryptionKey(e.ENCRYPTION_KEY) : null,
  };
  return { ...e, idmeBaseUrl: e.IDME_BASE_URL ?? IDME_BASES[e.IDME_ENVIRONMENT], provided, keyRing };
}

export function idmeBaseFor(environment: "sandbox" | "production", override?: string | null): string {
  return override ? override.replace(/\/+$/, "") : IDME_BASES[environment];
}

let cached: Env | undefined;

/** The configuration of this process, parsed on first use. */
export function env(): Env {
  cached ??= parseEnv(process.env);
  return cached;
}
