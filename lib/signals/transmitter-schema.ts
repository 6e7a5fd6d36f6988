import { z } from "zod";
import { isKnownProvider } from "../providers/known";

/**
 * The form of a Shared Signals transmitter (the Signals page): its issuer, the URL
 * of its public keys, the audience its SETs must name (this receiver) and the
 * provider whose identities its subjects are. No server imports: the browser runs it too.
 */

const LOCAL = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** https, or http on this machine only (the stand-ins). */
const serviceUrl = (what: string) =>
  z
    .string()
    .trim()
    .max(500, "At most 500 characters.")
    .refine((v) => {
      try {
        const u = new URL(v);
        return u.protocol === "https:" || (u.protocol === "http:" && LOCAL.has(u.hostname));
      } catch {
        return false;
      }
    }, `Enter the ${what} as an https:// URL.`);

export const transmitterSchema = z.object({
  id: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, "2 to 40 lower-case letters, digits or dashes, e.g. idme."),
  name: z.string().trim().min(1, "Enter the name staff know the transmitter by.").max(60, "At most 60 characters."),
  issuer: serviceUrl("issuer"),
  jwksUrl: serviceUrl("JWKS URL"),
  audience: z.string().trim().min(1, "Enter the audience the transmitter puts in its events.").max(300, "At most 300 characters."),
  provider: z.string().trim().refine(isKnownProvider, "Choose a provider."),
  enabled: z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean()),
});

export type TransmitterInput = z.output<typeof transmitterSchema>;

/** "Connect stream": the bearer token the transmitter issued to this portal for its stream management API. */
export const connectSchema = z.object({
  id: z.string().trim().min(1, "Which transmitter?").max(40),
  token: z
    .string({ error: "Enter the bearer token the transmitter issued to this portal." })
    .trim()
    .min(8, "Enter the bearer token the transmitter issued to this portal (at least 8 characters).")
    .max(4096, "The token is too long."),
});

/** "Verify stream". */
export const verifySchema = z.object({ id: z.string().trim().min(1, "Which transmitter?").max(40) });
