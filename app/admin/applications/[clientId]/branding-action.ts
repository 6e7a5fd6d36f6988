"use server";

import { ActionFailure, staffFormAction } from "@/lib/staff/guard";
import { brandingFormSchema, type Branding } from "@/lib/flow/branding-schema";

/**
 * Saves an application's branding and help (logo, accent colour, support, privacy notice)
 * with its audit entry in one transaction: which fields changed, their new values (none of
 * them personal or secret). Admins only, like the rest of the application's settings.
 */

const FIELDS = ["logoUrl", "accentColor", "supportContact", "privacyUrl"] as const;

export const saveBranding = staffFormAction(
  "application.branding",
  "admin",
  brandingFormSchema,
  async (_staff, input, { tx, audit }): Promise<{ changed: string[] }> => {
    const before = await tx.application.findUnique({ where: { clientId: input.clientId } });
    if (!before) throw new ActionFailure("not_found", "This application no longer exists; nothing was saved.");
    const next: Branding = {
      logoUrl: input.logoUrl,
      accentColor: input.accentColor,
      supportContact: input.supportContact,
      privacyUrl: input.privacyUrl,
    };
    const changed = FIELDS.filter((f) => (before[f] ?? null) !== next[f]);
    if (changed.length === 0) return { changed };
    await tx.application.update({ where: { clientId: input.clientId }, data: next });
    await audit("application.update", {
      target: input.clientId,
      details: {
        branding: Object.fromEntries(
          // An inline logo is long: the entry says that it changed, and its size.
          changed.map((f) => [
            f,
            f === "logoUrl" && next.logoUrl?.startsWith("data:") ? `inline image (${next.logoUrl.length} characters)` : next[f],
          ]),
        ),
      },
    });
    return { changed };
  },
);
