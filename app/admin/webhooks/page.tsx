import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { listApplications } from "@/lib/settings";
import { listEndpoints } from "@/lib/events/queries";
import { Badge, Card, PageHeader } from "../_ui/kit";
import { Time } from "../_ui/time";
import { EndpointForm } from "./endpoint-form";
import { RotateForm, TestEventForm } from "./endpoint-actions";

export const metadata: Metadata = { title: "Webhooks" };

/** Outgoing webhooks (README "Webhooks out"): admins manage endpoints; support sees them and the delivery log. */
export default async function WebhooksPage() {
  const staff = await guardPage("support", "/admin/webhooks");
  const [endpoints, apps] = await Promise.all([listEndpoints(), listApplications()]);
  const applications = apps.map((a) => ({ clientId: a.clientId, name: a.name }));
  const appName = (id: string | null) => (id ? (applications.find((a) => a.clientId === id)?.name ?? id) : "Every application");
  const admin = staff.role === "admin";
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <PageHeader
        title="Webhooks"
        description="Signed events sent to your systems when a verification succeeds, fails, is revoked, expires or is erased, and when an attempt fails."
      >
        <Link href="/admin/webhooks/log" className="text-sm text-brand-700 underline">
          Delivery log
        </Link>
      </PageHeader>
      {endpoints.length === 0 ? (
        <Card>
          <p className="text-sm text-slate-600">No endpoint yet: no event is sent.</p>
        </Card>
      ) : null}
      {endpoints.map((e) => (
        <Card key={e.id} title={`${e.name}${e.enabled ? "" : " (off)"}`}>
          <div className="mb-4 space-y-1 text-sm text-slate-700">
            <p className="break-all font-mono text-xs text-slate-900">{e.url}</p>
            <p>
              {appName(e.clientId)} · {e.eventTypes.length} event types · attributes {e.includeAttributes ? "included" : "not sent"} ·{" "}
              <Badge value={e.enabled ? "on" : "off"} />
            </p>
            {e.previousSecretUntil && e.previousSecretUntil > new Date() ? (
              <p>
                Rotating: the previous secret also signs until <Time value={e.previousSecretUntil} />.
              </p>
            ) : null}
            <p>
              <Link href={`/admin/webhooks/log?endpoint=${e.id}`} className="text-brand-700 underline">
                Deliveries to {e.name}
              </Link>
            </p>
          </div>
          {admin ? (
            <div className="space-y-6">
              <EndpointForm
                isNew={false}
                applications={applications}
                initial={{
                  id: e.id,
                  name: e.name,
                  url: e.url,
                  clientId: e.clientId ?? "",
                  eventTypes: e.eventTypes,
                  includeAttributes: e.includeAttributes,
                  enabled: e.enabled,
                }}
              />
              <div className="grid gap-6 border-t border-slate-100 pt-4 sm:grid-cols-2">
                <TestEventForm id={e.id} name={e.name} />
                <RotateForm id={e.id} name={e.name} />
              </div>
            </div>
          ) : (
            <p className="text-sm text-slate-600">Events: {e.eventTypes.join(", ")}.</p>
          )}
        </Card>
      ))}
      {admin ? (
        <Card title="Add an endpoint">
          <EndpointForm
            isNew
            applications={applications}
            initial={{
              id: "",
              name: "",
              url: "",
              clientId: "",
              eventTypes: ["verification.succeeded", "verification.revoked", "verification.expired", "verification.erased"],
              includeAttributes: false,
              enabled: true,
            }}
          />
        </Card>
      ) : null}
    </div>
  );
}
