import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { SPIKE_FACTOR, SPIKE_MIN, failureInsight, toAttemptFilter, type CauseSummary, type FailureFilter } from "@/lib/insight/failures";
import { InvalidAttemptCursorError, NONE, listAttempts } from "@/lib/insight/attempts";
import { RANGE_LABELS, bucketTitle, parseRange, type RangeKey } from "@/lib/insight/range";
import { OTHER_COLOR, SERIES_COLORS } from "@/lib/insight/chart";
import { personHref, query } from "@/lib/insight/links";
import { applicationNames, recordProviders } from "@/lib/records";
import { explain } from "@/lib/support/explanations";
import { nameOf, providerNames } from "@/lib/insight/providers";
import { Badge, Card, PageHeader, btn, input, TableHead } from "../_ui/kit";
import { ApplicationSelect, AttemptLeadCells } from "../_ui/filters";
import { CellBar, Sparkline, StackedBarChart } from "../_support/charts";
import { RangeNav, Stat } from "../_support/RangeNav";

export const metadata = { title: "Failures" };

type Search = { range?: string; app?: string; provider?: string; code?: string; cursor?: string };

const WHO: Record<string, string> = {
  person: "The person",
  support: "Support",
  admin: "An admin",
  provider: "The provider",
  developer: "Developers",
};
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim() || undefined;

// Failed, declined and errored attempts over time, by cause, provider and application:
// from "the bank app won't let me in" to the cause in under a minute.
export default async function FailuresPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  await guardPage("support", "/admin/failures");
  const raw = await searchParams;
  const sp: Search = {
    range: one(raw.range),
    app: one(raw.app),
    provider: one(raw.provider),
    code: one(raw.code),
    cursor: one(raw.cursor),
  };
  const range = parseRange(sp.range, "24h");
  const code = sp.code && /^[a-z0-9_-]{1,64}$/.test(sp.code) ? sp.code : undefined;
  // The chart and the causes cover every cause (with the application and provider filters);
  // a chosen cause is highlighted and its attempts are listed.
  const filter: FailureFilter = {
    application: sp.app === NONE ? null : sp.app?.slice(0, 128),
    provider: sp.provider?.slice(0, 64),
  };
  const causeFilter: FailureFilter = { ...filter, code: code === NONE ? null : code };
  // One after the other: the embedded database serves one query at a time anyway.
  const insight = await failureInsight(range, filter);
  const names = await applicationNames();
  const providers = await recordProviders();
  const providerName = nameOf(await providerNames([...providers, ...insight.byProvider.map((p) => p.provider)]));

  const state = { range: range.key, app: sp.app, provider: sp.provider, code };
  const href = (over: Partial<Record<keyof Search, string | undefined>>) => `/admin/failures${query({ ...state, ...over })}`;
  /** The attempts of one cause, scrolled into view. */
  const causeHref = (key: string) => `${href({ code: key, cursor: undefined })}#cause-attempts`;
  const appName = (clientId: string | null) => (clientId === null ? "(no application)" : (names.get(clientId) ?? clientId));
  const colorOf = new Map(insight.chart.map((s, i) => [s.key, s.key === "other" ? OTHER_COLOR : SERIES_COLORS[i % SERIES_COLORS.length]!]));
  const causeKey = (c: CauseSummary) => c.code ?? NONE;
  const spikes = insight.causes.filter((c) => c.spike);
  const unit = range.bucket === "hour" ? "hour" : "day";
  const peak = insight.perBucket.reduce((best, v, i) => (v > (insight.perBucket[best] ?? 0) ? i : best), 0);
  const delta = insight.total - insight.previousTotal;

  let list: Awaited<ReturnType<typeof listAttempts>> | null = null;
  let cursorProblem = false;
  if (code) {
    try {
      list = await listAttempts(toAttemptFilter(range, causeFilter), { cursor: sp.cursor, size: 50 });
    } catch (err) {
      if (!(err instanceof InvalidAttemptCursorError)) throw err;
      cursorProblem = true;
      list = await listAttempts(toAttemptFilter(range, causeFilter), { size: 50 });
    }
  }
  const selected = code ? (insight.causes.find((c) => causeKey(c) === code) ?? null) : null;
  const explanation = code && code !== NONE ? explain(code) : null;
  const exportHref = `/api/admin/export${query({ kind: "attempts", status: "failures", range: range.key, code, application: sp.app, provider: sp.provider })}`;

  return (
    <>
      <PageHeader
        title="Failures"
        description="Failed, declined and errored verifications by cause, application and provider. Buckets are UTC hours or days."
      >
        <RangeNav current={range.key} hrefFor={(k: RangeKey) => href({ range: k, cursor: undefined })} />
      </PageHeader>

      <form
        method="get"
        action="/admin/failures"
        className="mb-4 flex flex-wrap items-end gap-3 rounded-xl border border-slate-200 bg-white p-3 sm:p-4"
      >
        <input type="hidden" name="range" value={range.key} />
        {code ? <input type="hidden" name="code" value={code} /> : null}
        <ApplicationSelect value={sp.app} names={names} anyLabel="Any" noneLabel="(no application: failed before the token was read)" />
        <label className="text-sm">
          Provider
          <select name="provider" defaultValue={sp.provider ?? ""} className={`${input} min-w-32`}>
            <option value="">Any</option>
            {[...new Set([...providers, ...insight.byProvider.map((p) => p.provider), ...(sp.provider ? [sp.provider] : [])])].map((p) => (
              <option key={p} value={p}>
                {providerName(p)}
              </option>
            ))}
          </select>
        </label>
        <button className={btn.primary}>Filter</button>
        {sp.app || sp.provider || code ? (
          <Link href={`/admin/failures${query({ range: range.key })}`} className={btn.secondary}>
            Clear filters
          </Link>
        ) : null}
        <a href={exportHref} className={`${btn.secondary} ml-auto`} download>
          Download CSV
        </a>
      </form>

      <p className="mb-4 text-sm text-slate-700" data-testid="spike-rule">
        <strong>Spike rule:</strong> a cause is marked as a spike when one {unit} holds at least {SPIKE_MIN} of its failures and more than{" "}
        {SPIKE_FACTOR} times its usual rate — its average per {unit} over the rest of this range and the period of the same length before
        it.
      </p>
      <dl className="mb-4 grid grid-cols-2 gap-3 sm:grid-cols-4">
        <Stat
          label="Failures"
          value={insight.total}
          tone={insight.total ? "bad" : "good"}
          note={`${delta > 0 ? "▲" : delta < 0 ? "▼" : "="} ${Math.abs(delta)} vs the ${RANGE_LABELS[range.key].toLowerCase().replace("last", "previous")}`}
        />
        <Stat label="Failed (not verified)" value={insight.byStatus.failed} />
        <Stat label="Declined" value={insight.byStatus.declined} />
        <Stat label="Errors" value={insight.byStatus.error} />
      </dl>

      {spikes.length ? (
        <div role="status" className="mb-4 rounded-xl border border-rose-200 bg-rose-50 p-3 text-sm text-rose-900 sm:p-4">
          <p className="font-semibold">Spike{spikes.length > 1 ? "s" : ""} in this range</p>
          <ul className="mt-1 list-disc space-y-0.5 pl-5">
            {spikes.slice(0, 3).map((c) => (
              <li key={causeKey(c)}>
                <Link href={causeHref(causeKey(c))} className="font-mono font-medium underline">
                  {c.code ?? "(no code)"}
                </Link>
                : {c.spike!.count} in {bucketTitle(range.bucket, range.buckets[c.spike!.index]!)},{" "}
                {c.spike!.baseline < 0.05
                  ? `none in the other ${unit}s`
                  : `against about ${c.spike!.baseline.toFixed(1)} per ${unit} otherwise`}
                . {c.headline}
                {c.headline.endsWith("…") ? "" : "."}
              </li>
            ))}
          </ul>
        </div>
      ) : null}

      <div className="space-y-4">
        <Card title={`Failures per ${unit}, by cause`}>
          {insight.total ? (
            <StackedBarChart
              id="failures-chart"
              title={`Failures per ${unit}, ${RANGE_LABELS[range.key].toLowerCase()}, stacked by cause`}
              summary={`${insight.total} failures. The busiest ${unit} was ${bucketTitle(range.bucket, range.buckets[peak]!)} with ${insight.perBucket[peak]}. Top causes: ${insight.causes
                .slice(0, 3)
                .map((c) => `${c.code ?? "no code"} (${c.count})`)
                .join(", ")}.`}
              bucket={range.bucket}
              buckets={range.buckets}
              unit="failures"
              series={insight.chart.map((s) => ({
                ...s,
                color: colorOf.get(s.key)!,
                href: s.key === "other" ? undefined : causeHref(s.key),
              }))}
            />
          ) : (
            <p className="text-sm text-slate-600">
              No failed, declined or errored attempts in this range{sp.app || sp.provider || code ? " with these filters" : ""}. 🎉
            </p>
          )}
        </Card>

        {insight.causes.length ? (
          <Card title="Causes">
            <div className="-mx-4 overflow-x-auto sm:mx-0">
              <table className="min-w-full text-left text-sm">
                <caption className="sr-only">Failure causes, most frequent first, with a small chart of each over the range</caption>
                <thead className="bg-slate-50 text-xs uppercase text-slate-600">
                  <tr>
                    <th scope="col" className="px-3 py-2">
                      Cause
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Who can fix it
                    </th>
                    <th scope="col" className="px-3 py-2 text-right">
                      Count
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Share
                    </th>
                    <th scope="col" className="px-3 py-2">
                      Per {unit}
                    </th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-slate-100">
                  {insight.causes.map((c) => {
                    const key = causeKey(c);
                    return (
                      <tr key={key} className={`align-top ${key === code ? "bg-brand-50" : ""}`}>
                        <td className="px-3 py-2">
                          <span className="flex items-center gap-2">
                            <span
                              aria-hidden="true"
                              className="inline-block h-3 w-3 shrink-0 rounded-sm"
                              style={{ background: colorOf.get(key) ?? OTHER_COLOR }}
                            />
                            <Link
                              href={causeHref(key)}
                              aria-current={key === code ? "true" : undefined}
                              className="font-mono font-medium text-brand-700 underline"
                            >
                              {c.code ?? "(no code)"}
                            </Link>
                            {c.spike ? <Badge value="spike" /> : null}
                          </span>
                          <span className="mt-0.5 block text-slate-600">
                            {c.headline}
                            {c.step ? <span className="text-slate-600"> · step {c.step}</span> : null}
                          </span>
                        </td>
                        <td className="whitespace-nowrap px-3 py-2">{c.explanation ? WHO[c.explanation.who] : "—"}</td>
                        <td className="px-3 py-2 text-right font-semibold tabular-nums">{c.count}</td>
                        <td className="whitespace-nowrap px-3 py-2">
                          <span className="flex items-center gap-2">
                            <CellBar value={c.share} max={1} color={colorOf.get(key) ?? OTHER_COLOR} />
                            <span className="tabular-nums text-slate-600">{Math.round(c.share * 100)}%</span>
                          </span>
                        </td>
                        <td className="px-3 py-2">
                          <Sparkline
                            values={c.series}
                            color={colorOf.get(key) ?? OTHER_COLOR}
                            highlight={c.spike?.index ?? null}
                            label={`${c.code ?? "no code"} per ${unit}: ${c.count} in all${c.spike ? `, spike of ${c.spike.count} in ${bucketTitle(range.bucket, range.buckets[c.spike.index]!)}` : ""}`}
                          />
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          </Card>
        ) : null}

        {code ? (
          <section id="cause-attempts" aria-label="Attempts of the chosen cause" className="scroll-mt-4">
            <Card title={`Attempts: ${code === NONE ? "(no code)" : code}${selected ? ` (${selected.count})` : ""}`}>
              {explanation ? (
                <dl className="mb-4 grid gap-2 rounded-lg bg-slate-50 p-3 text-sm sm:grid-cols-[8rem_1fr]">
                  <dt className="font-medium text-slate-600">What happened</dt>
                  <dd>{explanation.what}</dd>
                  <dt className="font-medium text-slate-600">Next step</dt>
                  <dd>{explanation.next}</dd>
                  <dt className="font-medium text-slate-600">Who can fix it</dt>
                  <dd>{WHO[explanation.who]}</dd>
                </dl>
              ) : null}
              {cursorProblem ? (
                <p className="mb-2 text-sm text-amber-800">That page link is not valid; showing the newest attempts.</p>
              ) : null}
              {!selected && !list?.rows.length ? (
                <p className="text-sm text-slate-600">No attempts with this cause in this range.</p>
              ) : null}
              {list?.rows.length ? (
                <div className="-mx-4 overflow-x-auto sm:mx-0">
                  <table className="min-w-full text-left text-sm" data-testid="cause-attempts">
                    <caption className="sr-only">Attempts that failed with this cause, newest first</caption>
                    <TableHead columns={["Reference", "Started", "Status", "Application", "Provider", "Auth0 user"]} />
                    <tbody className="divide-y divide-slate-100">
                      {list.rows.map((a) => (
                        <tr key={a.id}>
                          <AttemptLeadCells a={a} />
                          <td className="px-3 py-2">{appName(a.auth0ClientId)}</td>
                          <td className="px-3 py-2">{providerName(a.provider)}</td>
                          <td className="px-3 py-2 font-mono text-xs">
                            {a.auth0UserId ? (
                              <Link href={personHref(a.auth0UserId)} className="underline">
                                {a.auth0UserId}
                              </Link>
                            ) : (
                              "—"
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
              <div className="mt-3 flex flex-wrap gap-2">
                {list?.nextCursor ? (
                  <Link href={`${href({ cursor: list.nextCursor })}#cause-attempts`} className={btn.secondary}>
                    Older attempts
                  </Link>
                ) : null}
                {sp.cursor ? (
                  <Link href={`${href({ cursor: undefined })}#cause-attempts`} className={btn.secondary}>
                    Newest attempts
                  </Link>
                ) : null}
                <Link href={href({ code: undefined, cursor: undefined })} className={btn.secondary}>
                  Close
                </Link>
              </div>
            </Card>
          </section>
        ) : null}

        <div className="grid gap-4 md:grid-cols-2">
          <Card title="By application">
            <SplitTable
              label="Application"
              rows={insight.byApplication.map((a) => ({
                key: a.clientId ?? NONE,
                label: appName(a.clientId),
                count: a.count,
                href: href({ app: a.clientId ?? NONE, cursor: undefined }),
              }))}
              total={insight.total}
            />
          </Card>
          <Card title="By provider">
            <SplitTable
              label="Provider"
              rows={insight.byProvider.map((p) => ({
                key: p.provider,
                label: providerName(p.provider),
                count: p.count,
                href: href({ provider: p.provider, cursor: undefined }),
              }))}
              total={insight.total}
            />
          </Card>
        </div>
      </div>
    </>
  );
}

function SplitTable({
  label,
  rows,
  total,
}: {
  label: string;
  rows: { key: string; label: string; count: number; href: string }[];
  total: number;
}) {
  if (!rows.length) return <p className="text-sm text-slate-600">Nothing in this range.</p>;
  const max = Math.max(...rows.map((r) => r.count));
  return (
    <div className="-mx-4 overflow-x-auto sm:mx-0">
      <table className="min-w-full text-left text-sm">
        <TableHead
          columns={[
            label,
            { label: "Failures", right: true },
            <span key="share" className="sr-only">
              Share
            </span>,
          ]}
        />
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.key}>
              <td className="px-3 py-2">
                <Link href={r.href} className="text-brand-700 underline">
                  {r.label}
                </Link>
              </td>
              <td className="px-3 py-2 text-right tabular-nums">{r.count}</td>
              <td className="px-3 py-2">
                <span className="flex items-center gap-2">
                  <CellBar value={r.count} max={max} />
                  <span className="text-xs tabular-nums text-slate-600">{total ? Math.round((r.count / total) * 100) : 0}%</span>
                </span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
