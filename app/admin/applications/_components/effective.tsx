import { requirementProblems, type ResolvedRequirements } from "@/lib/settings/schema";
import { Badge } from "../../_ui/kit";
import { hoursText, policyText, scopeText } from "../../settings/_components/format";

const PROVIDER_NAMES: Record<string, string> = { idme: "ID.me", idpartner: "IDPartner", oidc: "OpenID Connect provider" };

/** What a login from one client id gets, with a warning when that cannot succeed. */
export function Effective({ r: resolved, provider }: { r: ResolvedRequirements; provider?: string | null }) {
  // Another provider than ID.me: identity, with its own scopes (lib/settings requirementsFor does the same).
  const other = !!provider && provider !== "idme";
  const r: ResolvedRequirements = other ? { ...resolved, policy: "identity", requiredGroup: null } : resolved;
  const problems = other ? [] : requirementProblems(r);
  return (
    <div className="space-y-1 text-sm">
      <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5">
        <dt className="text-slate-500">Provider</dt>
        <dd data-testid="effective-provider">{PROVIDER_NAMES[provider ?? "idme"] ?? provider}</dd>
        <dt className="text-slate-500">Policy</dt>
        <dd>
          {policyText(r.policy)}
          {r.requiredGroup ? (
            <>
              {" "}
              · group <span className="font-mono text-xs">{r.requiredGroup}</span>
            </>
          ) : null}
        </dd>
        <dt className="text-slate-500">Scopes</dt>
        <dd className="break-words font-mono text-xs leading-5">{r.scopes.map(scopeText).join(" ")}</dd>
        <dt className="text-slate-500">Re-verify</dt>
        <dd>{hoursText(r.intervalHours)}</dd>
        <dt className="text-slate-500">Required</dt>
        <dd>{r.required ? <Badge value="required" /> : <span className="text-slate-600">no (“Not now” allowed)</span>}</dd>
      </dl>
      {problems.map((p) => (
        <p key={p.field} className="rounded border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900">
          <span className="font-semibold">Every login would fail:</span> {p.message}
        </p>
      ))}
    </div>
  );
}
