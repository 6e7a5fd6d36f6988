import { z } from "zod";

/**
 * IDPartner's own settings (provider_setting.config), edited in the admin Settings page
 * (app/admin/settings/idpartner-form.tsx) or seeded from the environment:
 *
 * - `auth`: how each bank authenticates the portal. `client_secret_basic` (IDPartner's
 *   sandbox applications; the secret is the connection's client secret),
 *   `private_key_jwt` (the portal's own key, published at /id-verification/jwks), or
 *   `tls_client_auth` (mutual TLS with `tlsCert`; its private key is kept sealed in the
 *   connection's secret slot, write-only, like a client secret). With a key, the
 *   authorization request is a signed request object (PS256).
 * - `allowedIssuers`: bank issuers the portal accepts from the account selector, besides
 *   IDPartner's published list (./banks.ts). Exact URLs, https (http only on loopback).
 * - `encryptResponses`: the banks encrypt their authorization responses to the portal's key
 *   (RSA-OAEP / A256CBC-HS512); set the same at IDPartner.
 * - `tlsCa`: PEM bundle to trust for the banks' mutual-TLS endpoints (empty: the system's).
 */

export const IDPARTNER_AUTH_METHODS = ["client_secret_basic", "private_key_jwt", "tls_client_auth"] as const;
export type IdpartnerAuth = (typeof IDPARTNER_AUTH_METHODS)[number];

const issuerUrl = z
  .string()
  .trim()
  .refine((v) => {
    try {
      const u = new URL(v);
      const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(u.hostname);
      return (u.protocol === "https:" || (u.protocol === "http:" && loopback)) && !u.search && !u.hash;
    } catch {
      return false;
    }
  }, "must be an https URL without query or fragment")
  .transform((v) => v.replace(/\/+$/, ""));

export const idpartnerConfigSchema = z.object({
  auth: z.enum(IDPARTNER_AUTH_METHODS).catch("client_secret_basic"),
  allowedIssuers: z.array(issuerUrl).max(200).catch([]),
  encryptResponses: z.boolean().catch(false),
  tlsCert: z.string().trim().max(20_000).nullable().catch(null),
  tlsCa: z.string().trim().max(100_000).nullable().catch(null),
});

export type IdpartnerConfig = z.infer<typeof idpartnerConfigSchema>;

/** PEM from the environment, where newlines may be written as "\n". */
export function pemFromEnv(v: string | undefined): string | null {
  return v ? v.replace(/\\n/g, "\n") : null;
}

/** The issuers of a space- or comma-separated list (the environment's IDPARTNER_ALLOWED_ISSUERS); bad ones are dropped. */
export function issuerList(v: string | undefined): string[] {
  return (v ?? "")
    .split(/[\s,]+/)
    .filter(Boolean)
    .flatMap((x) => {
      const parsed = issuerUrl.safeParse(x);
      return parsed.success ? [parsed.data] : [];
    });
}

export { issuerUrl };
