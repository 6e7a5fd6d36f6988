import { z } from "zod";

/**
 * What an application's branding may be (checked in the admin form, in its action and
 * again when a page reads it): the logo an https address or a small inline image, the
 * accent colour dark enough for white text (WCAG AA), support an https address or an
 * email, the privacy notice an https address. No database here: the admin form uses it too.
 */

export interface Branding {
  logoUrl: string | null;
  accentColor: string | null;
  supportContact: string | null;
  privacyUrl: string | null;
}

export const NO_BRANDING: Branding = { logoUrl: null, accentColor: null, supportContact: null, privacyUrl: null };

/** WCAG 2.1 relative luminance of a #rrggbb colour. */
function luminance(hex: string): number {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

/** The contrast ratio of a #rrggbb colour against white (1 to 21). */
export function contrastWithWhite(hex: string): number {
  return 1.05 / (luminance(hex) + 0.05);
}

/** AA for normal text: the accent is a button background under white text and a link colour on white. */
export const MIN_CONTRAST = 4.5;

const httpsUrl = z
  .string()
  .max(2000)
  .url("Enter a full address starting with https://")
  .refine((u) => u.startsWith("https://"), "The address must start with https://");

// An image inlined as data: (kept small: it is sent with every page of the application).
const dataImage = z
  .string()
  .max(100_000, "An inline image must be under 100,000 characters; use an https address for a larger logo")
  .regex(
    /^data:image\/(png|jpeg|gif|webp|svg\+xml);base64,[A-Za-z0-9+/]+=*$/,
    "Use an https address or a base64 data:image (png, jpeg, gif, webp or svg)",
  );

const optional = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? null : typeof v === "string" ? v.trim() : v), schema.nullable());

export const brandingSchema = z.object({
  logoUrl: optional(z.union([httpsUrl, dataImage], { error: "Use an https address or a base64 data:image (png, jpeg, gif, webp or svg)" })),
  accentColor: optional(
    z
      .string()
      .regex(/^#[0-9a-fA-F]{6}$/, "Use a colour such as #1f5fbf")
      .transform((c) => c.toLowerCase())
      .superRefine((c, ctx) => {
        const ratio = contrastWithWhite(c);
        if (ratio < MIN_CONTRAST) {
          ctx.addIssue({
            code: "custom",
            message: `${c} is too light: white text on it has a contrast of ${ratio.toFixed(2)}:1, and needs ${MIN_CONTRAST}:1`,
          });
        }
      }),
  ),
  supportContact: optional(z.union([httpsUrl, z.email().max(254)], { error: "Use an https address or an email address" })),
  privacyUrl: optional(httpsUrl),
});

/** The href of a support contact: a mailto: for an email address. */
export function supportHref(contact: string): string {
  return contact.startsWith("https://") ? contact : `mailto:${contact}`;
}

/** The admin form's fields: the branding and which application it is for. */
export const brandingFormSchema = brandingSchema.extend({ clientId: z.string().trim().min(1).max(200) });
