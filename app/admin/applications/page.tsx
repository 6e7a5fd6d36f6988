import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { globalSettings, listApplications } from "@/lib/settings";
import { resolveRequirements } from "@/lib/settings/schema";
import { Card, PageHeader, TableHead } from "../_ui/kit";
import { hoursText, policyText, scopeText } from "../settings/_components/format";
import { providerFor, providerIds } from "@/lib/providers";
import { ApplicationForm } from "./_components/application-form";
import { Effective } from "./_components/effective";

export const metadata: Metadata = { title: "Applications" };

const cell = "block px-0 py-1 md:table-cell md:px-3 md:py-3 md:align-top";
const label = "block text-xs font-semibold uppercase tracking-wide text-slate-500 md:hidden";

// The Auth0 applications with their own requirements, and what each one effectively gets.
export default async function ApplicationsPage({ searchParams }: { searchParams: Promise<{ deleted?: string | string[] }> }) {
  await guardPage("admin", "/admin/applications");
  const [g, apps, query] = await Promise.all([globalSettings(), listApplications(), searchParams]);
  const deleted = typeof query.deleted === "string" && !apps.some((a) => a.clientId === query.deleted) ? query.deleted : null;
  const fallback = resolveRequirements(g, null);

  return (
    <div className="space-y-6">
      <PageHeader
        title="Applications"
        description="Requirements per Auth0 application (client id). Anything left empty follows the global settings; client ids not listed here get the global settings, not required."
      />
      {deleted ? (
        <p role="status" className="rounded-md border border-emerald-200 bg-emerald-50 p-3 text-sm text-emerald-900">
          Deleted the application <span className="font-mono">{deleted}</span>. Its logins now use the global settings.
        </p>
      ) : null}

      <Card title={`Registered applications (${apps.length})`}>
        <table className="block w-full text-sm md:table">
          <caption className="sr-only">Registered applications, their overrides and the settings each effectively gets</caption>
          <TableHead
            className="hidden border-b border-slate-200 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 md:table-header-group"
            columns={["Application", "Overrides", "Effectively gets"]}
          />
          <tbody className="block md:table-row-group">
            {apps.map((app) => (
              <tr
                key={app.clientId}
                className="block border-b border-slate-200 py-3 last:border-0 md:table-row md:py-0"
                data-testid={`application-${app.clientId}`}
              >
                <th scope="row" className={`${cell} text-left font-normal`}>
                  <Link href={`/admin/applications/${encodeURIComponent(app.clientId)}`} className="font-semibold text-brand-700 underline">
                    {app.name}
                  </Link>
                  <span className="block break-all font-mono text-xs text-slate-600">{app.clientId}</span>
                </th>
                <td className={cell}>
                  <span className={label}>Overrides</span>
                  <Overrides app={app} />
                </td>
                <td className={cell}>
                  <span className={label}>Effectively gets</span>
                  <Effective
                    r={resolveRequirements(
                      g,
                      app.provider === "idpartner" && !app.scopes.length ? { ...app, scopes: ["openid", "email", "profile"] } : app,
                    )}
                    provider={app.provider}
                  />
                </td>
              </tr>
            ))}
            <tr className="block py-3 md:table-row md:py-0">
              <th scope="row" className={`${cell} text-left font-normal`}>
                <span className="font-semibold">Any other client id</span>
                <span className="block text-xs text-slate-600">not registered here</span>
              </th>
              <td className={cell}>
                <span className={label}>Overrides</span>
                <span className="text-slate-600">none</span>
              </td>
              <td className={cell}>
                <span className={label}>Effectively gets</span>
                <Effective r={fallback} />
              </td>
            </tr>
          </tbody>
        </table>
        {apps.length === 0 ? <p className="mt-2 text-sm text-slate-600">No application has its own requirements yet.</p> : null}
      </Card>

      <Card title="Add an application">
        <ApplicationForm
          providers={providerChoices()}
          intent="create"
          global={{ policy: g.verificationType, scopes: g.scopes, requiredGroup: g.requiredGroup, intervalHours: g.reverifyIntervalHours }}
        />
      </Card>
    </div>
  );
}

function Overrides({
  app,
}: {
  app: {
    required: boolean;
    policy: "identity" | "community" | null;
    requiredGroup: string | null;
    scopes: string[];
    reverifyIntervalHours: number | null;
  };
}) {
  const items = [
    app.required ? "verification required" : null,
    app.policy ? `policy: ${policyText(app.policy)}` : null,
    app.requiredGroup ? `group: ${app.requiredGroup}` : null,
    app.scopes.length ? `scopes: ${app.scopes.map(scopeText).join(" ")}` : null,
    app.reverifyIntervalHours !== null ? `re-verify ${hoursText(app.reverifyIntervalHours)}` : null,
  ].filter(Boolean);
  return items.length ? (
    <ul className="space-y-0.5">
      {items.map((i) => (
        <li key={i} className="break-words">
          {i}
        </li>
      ))}
    </ul>
  ) : (
    <span className="text-slate-600">none (global settings, optional)</span>
  );
}

/** The registered providers as the application form offers them. */
function providerChoices() {
  return providerIds().map((id) => {
    const p = providerFor(id);
    return { id, name: p.displayName, description: p.policies.length > 1 ? "Identity or community groups." : "Identity only." };
  });
}
