import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { listAudit } from "@/lib/audit";
import { DateInput, PageHeader, btn, input, TableHead } from "../_ui/kit";
import { Time } from "../_ui/time";
import { ACTION_LABELS, AuditCards, Details, Target, What, Who } from "./entries";

export const metadata = { title: "Audit log" };

const ACTIONS = Object.keys(ACTION_LABELS);

type Search = { action?: string; actor?: string; target?: string; from?: string; to?: string; before?: string };

function parseDate(v?: string): Date | undefined {
  if (!v || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return undefined;
  const d = new Date(`${v}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A day filter that is not a day: said where it was typed (the filter is not applied). */
function dateProblem(v?: string): string | undefined {
  return v && !parseDate(v) ? "Write the day as YYYY-MM-DD, for example 2026-03-10." : undefined;
}

// Who changed what, and who looked at personal data and why. Admins only.
export default async function AuditPage({ searchParams }: { searchParams: Promise<Search> }) {
  await guardPage("admin", "/admin/audit");
  const sp = await searchParams;
  const to = parseDate(sp.to);
  const { events, next } = await listAudit({
    action: sp.action && ACTIONS.includes(sp.action) ? sp.action : undefined,
    actor: sp.actor?.trim() || undefined,
    target: sp.target?.trim() || undefined,
    from: parseDate(sp.from),
    to: to ? new Date(to.getTime() + 86_400_000) : undefined,
    before: sp.before && /^\d+$/.test(sp.before) ? BigInt(sp.before) : undefined,
  });
  const keep = new URLSearchParams(Object.entries(sp).filter(([k, v]) => k !== "before" && v) as [string, string][]);
  return (
    <>
      <PageHeader
        title="Audit log"
        description="Settings changes, reveals of personal data and other staff actions. Secret values are never written here."
      />
      <form
        method="get"
        className="mb-4 grid grid-cols-1 gap-3 rounded-xl border border-slate-200 bg-white p-4 sm:grid-cols-3 lg:grid-cols-6"
      >
        <label className="text-sm">
          Action
          <select name="action" defaultValue={sp.action ?? ""} className={input}>
            <option value="">Any</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ACTION_LABELS[a as keyof typeof ACTION_LABELS]}
              </option>
            ))}
          </select>
        </label>
        <label className="text-sm">
          Who (email)
          <input name="actor" defaultValue={sp.actor ?? ""} className={input} />
        </label>
        <label className="text-sm">
          Target
          <input name="target" defaultValue={sp.target ?? ""} className={input} />
        </label>
        <DateInput name="from" label="From (a day in UTC)" value={sp.from} problem={dateProblem(sp.from)} />
        <DateInput name="to" label="To (a day in UTC, included)" value={sp.to} problem={dateProblem(sp.to)} />
        <div className="flex items-end">
          <button className={btn.primary}>Filter</button>
        </div>
      </form>
      <div data-testid="audit-table">
        {events.length === 0 ? (
          <p className="rounded-xl border border-slate-200 bg-white px-3 py-6 text-center text-slate-600">Nothing matches these filters.</p>
        ) : (
          <>
            <AuditCards events={events} />
            <div
              className="hidden overflow-x-auto rounded-xl border border-slate-200 bg-white sm:block"
              tabIndex={0}
              role="region"
              aria-label="Audit log entries"
            >
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Audit log, newest first</caption>
                <TableHead columns={["When", "Who", "What", "Target", "Reason", "What changed"]} />
                <tbody className="divide-y divide-slate-100">
                  {events.map((e) => (
                    <tr key={String(e.id)} className="align-top">
                      <td className="whitespace-nowrap px-3 py-2">
                        <Time value={e.at} />
                      </td>
                      <td className="px-3 py-2">
                        <Who e={e} />
                      </td>
                      <td className="px-3 py-2">
                        <What e={e} />
                      </td>
                      <td className="px-3 py-2">
                        <Target e={e} />
                      </td>
                      <td className="px-3 py-2">{e.reason ?? "—"}</td>
                      <td className="min-w-64 px-3 py-2">
                        <Details details={e.details} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </div>
      {next ? (
        <p className="mt-4">
          <Link className={btn.secondary} href={`/admin/audit?${new URLSearchParams([...keep, ["before", String(next)]])}`}>
            Older entries
          </Link>
        </p>
      ) : null}
    </>
  );
}
