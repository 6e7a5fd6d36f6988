import { getDb } from "@/lib/db/client";
import { NO_BRANDING } from "@/lib/flow/branding-schema";
import { Card } from "../../_ui/kit";
import { BrandingForm } from "./branding-form";

/** The application page's "Branding and help" card (the page adds it with one line). */
export async function BrandingCard({ clientId }: { clientId: string }) {
  const db = await getDb();
  const app = await db.application.findUnique({
    where: { clientId },
    select: { logoUrl: true, accentColor: true, supportContact: true, privacyUrl: true },
  });
  return (
    <Card title="Branding and help on the person's pages">
      <BrandingForm clientId={clientId} initial={app ?? NO_BRANDING} />
    </Card>
  );
}
