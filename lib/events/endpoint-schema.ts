import { z } from "zod";
import { EVENT_TYPES } from "./catalogue";
import { urlProblem } from "./url";

/**
 * The forms of the webhook pages (app/admin/webhooks). No server imports: the browser
 * checks with them too; the server checks again (and the production rules: https only, and
 * no private or loopback destination unless WEBHOOKS_ALLOW_PRIVATE=true; lib/events/url.ts).
 */

const checkbox = z.preprocess((v) => v === true || v === "on" || v === "true", z.boolean());
const endpointId = z
  .string()
  .trim()
  .regex(/^[a-z0-9][a-z0-9-]{1,39}$/, "2 to 40 lower-case letters, digits or dashes, e.g. back-office.");

export const endpointSchema = z.object({
  id: endpointId,
  isNew: checkbox,
  name: z.string().trim().min(1, "Enter a name staff know the receiver by.").max(60, "At most 60 characters."),
  url: z
    .string()
    .trim()
    .max(500, "At most 500 characters.")
    .superRefine((v, ctx) => {
      const problem = urlProblem(v, false);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
  // "" (every application) or one Auth0 client id.
  clientId: z
    .string()
    .trim()
    .max(200, "At most 200 characters.")
    .transform((v) => v || null),
  eventTypes: z.preprocess(
    (v) => (v === undefined || v === null || v === "" ? [] : ([] as unknown[]).concat(v)),
    z.array(z.enum(EVENT_TYPES, { error: "Choose events from the list." })).min(1, "Choose at least one event."),
  ),
  includeAttributes: checkbox,
  enabled: checkbox,
});

export type EndpointInput = z.output<typeof endpointSchema>;

export const rotateSchema = z.object({
  id: endpointId,
  keepHours: z.coerce
    .number({ error: "Enter a number of hours." })
    .int("Whole hours.")
    .min(0, "0 (the old secret stops at once) to 168 hours (a week).")
    .max(168, "At most 168 hours (a week)."),
});

export const endpointRefSchema = z.object({ id: endpointId });

export const redeliverSchema = z.object({
  deliveryId: z
    .string()
    .trim()
    .regex(/^\d{1,18}$/, "Which delivery?"),
});
