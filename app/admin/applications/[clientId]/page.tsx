import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { guardPage } from "@/lib/staff/guard";
import { findApplication, globalSettings } from "@/lib/settings";
import { resolveRequirements } from "@/lib/settings/schema";
import { Card, PageHeader } from "../../_ui/kit";
import { providerFor, providerIds } from "@/lib/providers";
import { ApplicationForm } from "../_components/application-form";
import { DeleteApplication } from "../_components/delete-application";
import { Effective } from "../_components/effective";
import { BrandingCard } from "./branding-card";
import { Time } from "../../_ui/time";

export const metadata: Metadata = { title: "Application" };

/** Next.js hands over the segment as it was in the URL (client ids may hold "|", "/", "%"…). */
function decoded(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

// One application's requirements: edit them, see what its logins get, or delete it.
export default async function ApplicationPage({ params }: { params: Promise<{ clientId: string }> }) {
  const raw = (await params).clientId;
  await guardPage("admin", `/admin/applications/${raw}`);
  const clientId = decoded(raw);

  const [app, g] = await Promise.all([clientId ? findApplication(clientId) : null, globalSettings()]);
  if (!app) notFound();

  return (
    <div className="space-y-6">
      <p className="text-sm">
        <Link href="/admin/applications" className="underline">
          ← Applications
        </Link>
      </p>
      <PageHeader
        title={app.name}
        description={
          <>
            Auth0 client id {app.clientId} · added <Time value={app.createdAt} /> · changed <Time value={app.updatedAt} />
          </>
        }
      />
      <div className="grid gap-6 lg:grid-cols-[2fr_1fr]">
        <Card title="Requirements">
          <ApplicationForm
            providers={providerChoices()}
            intent="update"
            initial={{
              clientId: app.clientId,
              name: app.name,
              required: app.required,
              provider: app.provider,
              policy: app.policy,
              requiredGroup: app.requiredGroup,
              scopes: app.scopes,
              reverifyIntervalHours: app.reverifyIntervalHours,
            }}
            global={{
              policy: g.verificationType,
              scopes: g.scopes,
              requiredGroup: g.requiredGroup,
              intervalHours: g.reverifyIntervalHours,
            }}
          />
        </Card>
        <div className="space-y-6">
          <Card title="A login from this application gets">
            <Effective r={resolveRequirements(g, app)} />
          </Card>
          <BrandingCard clientId={app.clientId} />
          <Card title="Delete">
            <DeleteApplication clientId={app.clientId} name={app.name} />
          </Card>
        </div>
      </div>
    </div>
  );
}

/** The registered providers as the application form offers them. */
function providerChoices() {
  return providerIds().map((id) => {
    const p = providerFor(id);
    return { id, name: p.displayName, description: p.policies.length > 1 ? "Identity or community groups." : "Identity only." };
  });
}
