import { getDb } from "../db/client";
import { NO_BRANDING, brandingSchema, type Branding } from "./branding-schema";

export { NO_BRANDING, supportHref, type Branding } from "./branding-schema";

/**
 * An application's branding and help on the person's pages: its logo, accent colour,
 * where to get help and its privacy notice. Set on the application's admin page
 * (app/admin/applications/[clientId]/branding-*); every field is optional.
 */

/** The application's branding, or none when the portal does not know the application. */
export async function brandingFor(clientId: string | null | undefined): Promise<Branding> {
  if (!clientId) return NO_BRANDING;
  const db = await getDb();
  const app = await db.application.findUnique({
    where: { clientId },
    select: { logoUrl: true, accentColor: true, supportContact: true, privacyUrl: true },
  });
  if (!app) return NO_BRANDING;
  // Read back through the schema: a value that no longer passes is not shown.
  const checked = brandingSchema.safeParse(app);
  return checked.success ? { ...NO_BRANDING, ...checked.data } : NO_BRANDING;
}
