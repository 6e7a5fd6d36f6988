import { z } from "zod";
import { IDPARTNER_AUTH_METHODS, issuerUrl } from "./config";

/**
 * The IDPartner settings form (app/admin/settings/idpartner-form.tsx), checked in the
 * browser and again by the server action (./admin.ts). The certificate's private key is
 * write-only (`tlsKeySecret`: never echoed back); empty keeps the stored one.
 */

const pem = (kind: string, label: string) =>
  z
    .string()
    .trim()
    .max(100_000, "At most 100,000 characters.")
    .refine((v) => !v || v.includes(`-----BEGIN ${kind}`), `Paste the ${label} in PEM form (-----BEGIN ${kind}…).`)
    .transform((v) => v || null);

export const idpartnerFormSchema = z
  .object({
    auth: z.enum(IDPARTNER_AUTH_METHODS, { error: "Choose how the banks authenticate the portal." }),
    allowedIssuers: z
      .string()
      .max(50_000, "At most 50,000 characters.")
      .transform((v, ctx) => {
        const list = v.split(/\s+/).filter(Boolean);
        if (list.length > 200) ctx.addIssue({ code: "custom", message: "At most 200 banks." });
        const out: string[] = [];
        for (const x of list) {
          const parsed = issuerUrl.safeParse(x);
          if (parsed.success) out.push(parsed.data);
          else ctx.addIssue({ code: "custom", message: `${x.slice(0, 80)}: must be an https URL without query or fragment.` });
        }
        return out;
      }),
    encryptResponses: z
      .string()
      .optional()
      .transform((v) => v === "on" || v === "true"),
    tlsCert: pem("CERTIFICATE", "certificate"),
    tlsCa: pem("CERTIFICATE", "CA certificates"),
    tlsKeySecret: z
      .string()
      .trim()
      .max(20_000, "At most 20,000 characters.")
      .refine((v) => !v || /-----BEGIN (RSA |EC )?PRIVATE KEY/.test(v), "Paste the private key in PEM form (-----BEGIN PRIVATE KEY…).")
      .transform((v) => v || null),
  })
  .superRefine((v, ctx) => {
    if (v.auth === "tls_client_auth" && !v.tlsCert)
      ctx.addIssue({ code: "custom", path: ["tlsCert"], message: "Mutual TLS needs the certificate registered at IDPartner." });
  });

export type IdpartnerFormInput = z.output<typeof idpartnerFormSchema>;
