import type { Metadata } from "next";
import Link from "next/link";
import { guardPage } from "@/lib/staff/guard";
import { EVENT_TYPES, TEST_EVENT } from "@/lib/events/catalogue";
import { deliveryLog, listEndpoints, logFilterSchema, OUTCOMES, waitingDeliveries } from "@/lib/events/queries";
import { btn, Card, input, PageHeader, TableHead } from "../../_ui/kit";
import { Time } from "../../_ui/time";
import { first } from "../../_ui/query";
import { RedeliverForm } from "../redeliver-form";

export const metadata: Metadata = { title: "Webhook deliveries" };

function Outcome({ value }: { value: string }) {
  const tone = value === "delivered" ? "bg-emerald-50 text-emerald-800 ring-emerald-200" : "bg-rose-50 text-rose-800 ring-rose-200";
  return <span className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${tone}`}>{value.replace(/_/g, " ")}</span>;
}

/** Every try of every delivery, newest first (support and admins; admins may redeliver). */
export default async function WebhookLogPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const staff = await guardPage("support", "/admin/webhooks/log");
  const q = await searchParams;
  const filter = logFilterSchema.parse({
    endpoint: first(q.endpoint),
    outcome: first(q.outcome),
    type: first(q.type),
    event: first(q.event),
  });
  const [rows, endpoints, waiting] = await Promise.all([deliveryLog(filter), listEndpoints(), waitingDeliveries()]);
  const admin = staff.role === "admin";
  return (
    <div className="mx-auto max-w-6xl space-y-6">
      <PageHeader title="Webhook deliveries" description="Each try: when, the receiver's answer, how long it took, and the next retry.">
        <Link href="/admin/webhooks" className="text-sm text-brand-700 underline">
          Endpoints
        </Link>
      </PageHeader>
      <Card>
        <form method="get" className="flex flex-wrap items-end gap-3" aria-label="Filter the delivery log">
          <label className="text-sm">
            Endpoint
            <select name="endpoint" defaultValue={filter.endpoint ?? ""} className={`${input} min-w-40`}>
              <option value="">Any</option>
              {endpoints.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name}
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            Event
            <select name="type" defaultValue={filter.type ?? ""} className={`${input} min-w-48`}>
              <option value="">Any</option>
              {[...EVENT_TYPES, TEST_EVENT].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            Outcome
            <select name="outcome" defaultValue={filter.outcome ?? ""} className={`${input} min-w-36`}>
              <option value="">Any</option>
              {OUTCOMES.map((o) => (
                <option key={o} value={o}>
                  {o.replace(/_/g, " ")}
                </option>
              ))}
            </select>
          </label>
          <label className="text-sm">
            Event id
            <input name="event" defaultValue={filter.event ?? ""} className={`${input} w-64 font-mono`} spellCheck={false} />
          </label>
          <button type="submit" className={btn.secondary}>
            Filter
          </button>
        </form>
      </Card>
      {waiting.length ? (
        <Card title="Waiting for their first try">
          <ul className="space-y-1 text-sm">
            {waiting.map((w) => (
              <li key={String(w.id)}>
                <span className="font-mono text-xs">{w.event.type}</span> to {w.endpoint.name}, written <Time value={w.createdAt} />
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      <Card title="Tries">
        {rows.length === 0 ? (
          <p className="text-sm text-slate-600">
            No delivery was tried{filter.endpoint || filter.type || filter.outcome || filter.event ? " with these filters" : " yet"}.
          </p>
        ) : (
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Delivery tries">
            <table className="w-full text-left text-sm">
              <TableHead
                columns={[
                  "When",
                  "Outcome",
                  { label: "Code", right: true },
                  "Event",
                  "Endpoint",
                  { label: "Took", right: true },
                  "Next retry",
                  "Detail",
                  "",
                ]}
              />
              <tbody>
                {rows.map((r) => (
                  <tr key={String(r.id)} className="border-t border-slate-100 align-top" data-testid="delivery-row">
                    <td className="py-2 pr-3 whitespace-nowrap">
                      <Time value={r.at} />
                    </td>
                    <td className="py-2 pr-3">
                      <Outcome value={r.outcome} />
                    </td>
                    <td className="py-2 pr-3 text-right tabular-nums">{r.responseCode ?? "—"}</td>
                    <td className="py-2 pr-3">
                      <span className="font-mono text-xs">{r.delivery.event.type}</span>
                      <br />
                      <Link
                        href={`/admin/webhooks/log?event=${r.delivery.event.id}`}
                        className="font-mono text-xs text-brand-700 underline"
                      >
                        {r.delivery.event.id}
                      </Link>
                      {r.trigger ? <span className="ml-1 text-xs text-slate-500">({r.trigger})</span> : null}
                    </td>
                    <td className="py-2 pr-3">{r.delivery.endpoint.name}</td>
                    <td className="py-2 pr-3 text-right tabular-nums whitespace-nowrap">{r.durationMs} ms</td>
                    <td className="py-2 pr-3 whitespace-nowrap">
                      {r.nextRetryAt ? (
                        <Time value={r.nextRetryAt} />
                      ) : r.delivery.state === "failed" && r.outcome !== "delivered" ? (
                        "given up"
                      ) : (
                        "—"
                      )}
                    </td>
                    <td className="py-2 pr-3 max-w-xs break-words text-xs text-slate-700">
                      {r.error ?? ""}
                      {r.responseBody ? <span className="block font-mono text-slate-500">{r.responseBody.slice(0, 200)}</span> : null}
                    </td>
                    <td className="py-2 pr-3 whitespace-nowrap">
                      {admin ? (
                        <RedeliverForm
                          deliveryId={String(r.delivery.id)}
                          label={`Redeliver ${r.delivery.event.type} ${r.delivery.event.id} to ${r.delivery.endpoint.name}`}
                        />
                      ) : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
