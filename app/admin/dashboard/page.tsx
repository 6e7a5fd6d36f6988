import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { dashboardInsight, fmtDuration, fmtPercent, type DashboardFilter, type Funnel } from "@/lib/insight/dashboard";
import { NONE } from "@/lib/insight/attempts";
import { OUTCOME_COLORS } from "@/lib/insight/chart";
import { RANGE_LABELS, bucketTitle, parseRange, type RangeKey } from "@/lib/insight/range";
import { query } from "@/lib/insight/links";
import { applicationNames } from "@/lib/records";
import { Card, PageHeader, btn, input, TableHead } from "../_ui/kit";
import { CellBar, LineChart, StackedBarChart } from "../_support/charts";
import { RangeNav, Stat } from "../_support/RangeNav";
import { ApplicationSelect } from "../_ui/filters";

export const metadata = { title: "Dashboard" };

const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

const OUTCOMES = [
  { key: "verified", label: "verified" },
  { key: "failed", label: "failed" },
  { key: "declined", label: "declined" },
  { key: "error", label: "error" },
  { key: "unfinished", label: "unfinished" },
] as const;

// Verifications started, completed, failed and declined over time; conversion; time at the provider.
export default async function DashboardPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await guardPage("support", "/admin/dashboard");
  const raw = await searchParams;
  const range = parseRange(one(raw.range), "30d");
  const app = one(raw.app)?.slice(0, 128);
  const policyParam = one(raw.policy);
  const policy = policyParam === "identity" || policyParam === "community" ? policyParam : undefined;
  // Without an application chosen, requests that never reached one (token errors) are left out and counted apart.
  const filter: DashboardFilter = { application: app === NONE ? null : app, policy, reachedApplication: app === undefined };
  const d = await dashboardInsight(range, filter);
  const noApplication = d.withoutApplication ?? 0;
  const names = await applicationNames();

  const state = { range: range.key, app, policy };
  const href = (over: Partial<Record<"range" | "app" | "policy", string | undefined>>) => `/admin/dashboard${query({ ...state, ...over })}`;
  const appName = (clientId: string | null) => (clientId === null ? "(no application)" : (names.get(clientId) ?? clientId));
  const unit = range.bucket === "hour" ? "hour" : "day";
  const t = d.totals;
  const rangeText = RANGE_LABELS[range.key].toLowerCase();
  const best = d.perBucket.reduce((b, f, i) => (f.started > (d.perBucket[b]?.started ?? 0) ? i : b), 0);

  return (
    <>
      <PageHeader
        title="Dashboard"
        description={`Verifications by the ${unit} they started (UTC), with the outcome they have now. How each number is counted is at the bottom of the page.`}
      >
        <RangeNav current={range.key} keys={["24h", "7d", "30d", "90d"]} hrefFor={(k: RangeKey) => href({ range: k })} />
      </PageHeader>

      <form
        method="get"
        action="/admin/dashboard"
        className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3 sm:p-4"
      >
        <input type="hidden" name="range" value={range.key} />
        <ApplicationSelect value={app} names={names} anyLabel="All" noneLabel="(no application)" />
        <label className="text-sm">
          Policy
          <select name="policy" defaultValue={policy ?? ""} className={`${input} min-w-36`}>
            <option value="">All</option>
            <option value="identity">identity</option>
            <option value="community">community</option>
          </select>
        </label>
        <button className={btn.primary}>Show</button>
        {app || policy ? (
          <Link href={`/admin/dashboard${query({ range: range.key })}`} className={btn.secondary}>
            Clear filters
          </Link>
        ) : null}
        <Link
          href={`/admin/failures${query({ range: range.key === "90d" ? "30d" : range.key, app })}`}
          className={`${btn.secondary} ml-auto`}
        >
          See the failures
        </Link>
      </form>

      <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-3 lg:grid-cols-6">
        <Stat label="Verifications started" value={t.started} note={`${t.sentToProvider} sent to the provider`} />
        <Stat label="Verified" value={t.verified} tone="good" note={`${t.reused} still valid, no trip to the provider`} />
        <Stat label="Conversion" value={fmtPercent(t.conversion)} note="verified ÷ started" />
        <Stat label="Failed" value={t.failed} tone={t.failed ? "bad" : undefined} note={`${t.error} errors`} />
        <Stat label="Declined" value={t.declined} tone={t.declined ? "warn" : undefined} note={`${t.unfinished} unfinished`} />
        <Stat
          label="Median time at provider"
          value={fmtDuration(t.medianSecondsAtProvider)}
          note={`over ${t.measured} returns${t.medianStepSeconds ? `, in steps of ${fmtDuration(t.medianStepSeconds)}` : ""}`}
        />
      </dl>
      {noApplication ? (
        <p className="mb-4 text-sm text-slate-700" data-testid="no-application-requests">
          {noApplication} {noApplication === 1 ? "request" : "requests"} never reached an application (a missing, expired or forged token)
          and {noApplication === 1 ? "is" : "are"} not counted above.{" "}
          <Link className="text-brand-700 underline" href={href({ app: NONE })}>
            Show them
          </Link>
        </p>
      ) : null}

      <div className="space-y-4">
        <Card title={`Verifications per ${unit}, by outcome`}>
          {t.started ? (
            <StackedBarChart
              id="outcomes-chart"
              title={`Verifications per ${unit}, ${rangeText}, stacked by outcome`}
              summary={`${t.started} started, ${t.verified} verified, ${t.failed} failed, ${t.declined} declined, ${t.error} errors, ${t.unfinished} unfinished. Busiest ${unit}: ${bucketTitle(range.bucket, range.buckets[best]!)} with ${d.perBucket[best]?.started ?? 0} started.`}
              bucket={range.bucket}
              buckets={range.buckets}
              unit="started"
              series={OUTCOMES.map((o) => ({
                key: o.key,
                label: o.label,
                color: OUTCOME_COLORS[o.key],
                values: d.perBucket.map((f) => f[o.key]),
              }))}
            />
          ) : (
            <p className="text-sm text-slate-600">No verification started in this range{app || policy ? " with these filters" : ""}.</p>
          )}
        </Card>

        {t.started ? (
          <div className="space-y-4">
            <Card title={`Conversion per ${unit}`}>
              <LineChart
                id="conversion-chart"
                title={`Conversion from start to success per ${unit}, ${rangeText}`}
                summary={`Overall ${fmtPercent(t.conversion)}. ${unit === "day" ? "Days" : "Hours"} without any start have no point.`}
                bucket={range.bucket}
                buckets={range.buckets}
                values={d.perBucket.map((f) => f.conversion)}
                max={1}
                format={(v) => `${Math.round(v * 100)}%`}
                color="#059669"
                label="conversion"
              />
            </Card>
            <Card title={`Median time at the provider per ${unit}`}>
              <LineChart
                id="provider-time-chart"
                title={`Median time at the provider per ${unit}, ${rangeText}`}
                summary={`From being sent to the provider to coming back. Overall median ${fmtDuration(t.medianSecondsAtProvider)} over ${t.measured} returns.`}
                bucket={range.bucket}
                buckets={range.buckets}
                values={d.perBucket.map((f) => f.medianSecondsAtProvider)}
                format={fmtDuration}
                minTop={10}
                color="#0072B2"
                label="median time at provider"
              />
            </Card>
          </div>
        ) : null}

        <Card title="By application">
          <SplitTable
            label="Application"
            rows={d.byApplication.map((a) => ({
              key: a.clientId ?? NONE,
              label: appName(a.clientId),
              href: href({ app: a.clientId ?? NONE }),
              f: a,
            }))}
          />
        </Card>
        <Card title="By policy">
          <SplitTable
            label="Policy"
            rows={d.byPolicy.map((p) => ({ key: p.policy, label: p.policy, href: href({ policy: p.policy }), f: p }))}
          />
        </Card>
        <Definitions />
      </div>
    </>
  );
}

/** What every number on the page counts, in words (the issue with numbers nobody can explain is trust). */
function Definitions() {
  const items: [string, string][] = [
    [
      "Verifications started",
      "Attempts of an application that began in the range (each trip through the portal from an Auth0 login). Requests that never reached an application — a missing, expired or forged token — are left out unless you choose “(no application)”.",
    ],
    [
      "Verified",
      "Started attempts that are verified now, including those answered from a check still inside the interval (no trip to the provider).",
    ],
    ["Conversion", "Verified ÷ verifications started, for the same attempts. A period without any start has no conversion."],
    [
      "Failed, declined, errors",
      "Started attempts whose outcome now is failed (the provider did not confirm), declined (the person said no, here or at the provider) or error (the portal or the provider failed).",
    ],
    ["Unfinished", "Started attempts still waiting: at the provider, or abandoned."],
    [
      "Median time at the provider",
      "Per attempt, from being sent to the provider to its answer arriving; the median over the attempts that came back. Times are counted in steps (of a second under a minute, 10 seconds under ten minutes, a minute under an hour, an hour beyond) and the median shown is the start of its step: the exact median is at least that and less than one step more.",
    ],
  ];
  return (
    <Card title="How these numbers are counted">
      <dl className="grid gap-x-6 gap-y-3 text-sm sm:grid-cols-2" data-testid="metric-definitions">
        {items.map(([term, text]) => (
          <div key={term}>
            <dt className="font-medium text-slate-900">{term}</dt>
            <dd className="text-slate-700">{text}</dd>
          </div>
        ))}
      </dl>
    </Card>
  );
}

function SplitTable({ label, rows }: { label: string; rows: { key: string; label: string; href: string; f: Funnel }[] }) {
  if (!rows.length) return <p className="text-sm text-slate-600">Nothing in this range.</p>;
  const maxMedian = Math.max(0, ...rows.map((r) => r.f.medianSecondsAtProvider ?? 0));
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="min-w-full text-left text-sm">
        <TableHead
          columns={[
            label,
            { label: "Started", right: true },
            { label: "Verified", right: true },
            { label: "Failed", right: true },
            { label: "Declined", right: true },
            { label: "Errors", right: true },
            "Conversion",
            "Median at provider",
          ]}
        />
        <tbody className="divide-y divide-slate-100">
          {rows.map(({ key, label: name, href, f }) => (
            <tr key={key}>
              <td className="px-3 py-2">
                <Link href={href} className="text-brand-700 underline">
                  {name}
                </Link>
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{f.started}</td>
              <td className="px-3 py-2 text-right tabular-nums">{f.verified}</td>
              <td className="px-3 py-2 text-right tabular-nums">{f.failed}</td>
              <td className="px-3 py-2 text-right tabular-nums">{f.declined}</td>
              <td className="px-3 py-2 text-right tabular-nums">{f.error}</td>
              <td className="whitespace-nowrap px-3 py-2">
                <span className="flex items-center gap-2">
                  <CellBar value={f.conversion ?? 0} max={1} color="#059669" />
                  <span className="tabular-nums">{fmtPercent(f.conversion)}</span>
                </span>
              </td>
              <td className="whitespace-nowrap px-3 py-2">
                <span className="flex items-center gap-2">
                  <CellBar value={f.medianSecondsAtProvider ?? 0} max={maxMedian} color="#0072B2" />
                  <span className="tabular-nums">{fmtDuration(f.medianSecondsAtProvider)}</span>
                  <span className="text-xs text-slate-600">({f.measured})</span>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
