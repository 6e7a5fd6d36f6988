import Link from "next/link";
import type { AttemptSummary, TimelineEvent } from "@/lib/records";
import { Time } from "../../_ui/time";
import { Badge } from "../../_ui/kit";

/** Pieces shared by the attempt page and the record page (server components). */

const STEP_LABEL: Record<string, string> = {
  token_received: "Token from Auth0 received",
  interval_check: "Earlier verification checked",
  sent_to_provider: "Sent to the provider",
  returned: "Back from the provider",
  token_exchange: "Code exchanged for tokens",
  userinfo: "Userinfo fetched",
  result: "Result decided",
  resumed: "Login resumed at Auth0",
  callback_replayed: "Callback opened again",
  start_repeated: "Start pressed again",
};

export function stepLabel(step: string): string {
  return STEP_LABEL[step] ?? step.replace(/_/g, " ");
}

/** The attempt's events in the order they happened: step, outcome, code, description, time. */
export function Timeline({ events }: { events: TimelineEvent[] }) {
  if (!events.length) return <p className="text-sm text-slate-600">No events were recorded for this attempt.</p>;
  return (
    <ol className="relative space-y-3 border-l border-slate-200 pl-5">
      {events.map((e) => (
        <li key={e.id} className="relative min-w-0" data-step={e.step}>
          <span
            aria-hidden="true"
            className={`absolute -left-[1.65rem] top-1.5 h-2.5 w-2.5 rounded-full ring-4 ring-white ${
              e.outcome === "error" ? "bg-rose-500" : e.outcome === "info" ? "bg-sky-500" : "bg-emerald-500"
            }`}
          />
          <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
            <span className="font-medium" title={e.step}>
              {stepLabel(e.step)}
            </span>
            <Badge value={e.outcome} />
            {e.errorCode ? <code className="rounded bg-slate-100 px-1.5 py-0.5 text-xs text-slate-800">{e.errorCode}</code> : null}
            <Time value={e.at} className="text-xs text-slate-500" />
          </div>
          {e.errorDescription ? <p className="mt-0.5 text-sm wrap-anywhere text-slate-700">{e.errorDescription}</p> : null}
        </li>
      ))}
    </ol>
  );
}

/** The failure, in the words the flow recorded: the event that carries the attempt's failure code. */
export function failureEvent(a: Pick<AttemptSummary, "failureCode" | "events">): TimelineEvent | null {
  if (!a.failureCode) return null;
  return (
    [...a.events].reverse().find((e) => e.errorCode === a.failureCode) ?? [...a.events].reverse().find((e) => e.outcome === "error") ?? null
  );
}

/** A compact card of one attempt with its timeline (used on the record page). */
export function AttemptCard({ attempt, applications }: { attempt: AttemptSummary; applications: Map<string, string> }) {
  const app = attempt.auth0ClientId ? (applications.get(attempt.auth0ClientId) ?? attempt.auth0ClientId) : "—";
  return (
    <article className="rounded-lg border border-slate-200 p-4" aria-labelledby={`att-${attempt.id}`}>
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1">
        <h3 id={`att-${attempt.id}`} className="font-mono text-sm font-semibold">
          <Link href={`/admin/attempts/${attempt.referenceCode}`} className="text-brand-700 underline">
            {attempt.referenceCode}
          </Link>
        </h3>
        <Badge value={attempt.status} />
        <span className="text-sm text-slate-600">
          <Time value={attempt.createdAt} />
        </span>
        <span className="text-sm text-slate-600">· {app}</span>
      </header>
      {attempt.failureCode ? (
        <p className="mt-2 text-sm">
          Failed at <strong>{stepLabel(attempt.failureStep ?? "")}</strong> with{" "}
          <code className="rounded bg-rose-50 px-1.5 py-0.5 text-rose-800">{attempt.failureCode}</code>
        </p>
      ) : null}
      <details className="mt-3">
        <summary className="cursor-pointer text-sm font-medium text-slate-700">Timeline ({attempt.events.length} events)</summary>
        <div className="mt-3">
          <Timeline events={attempt.events} />
        </div>
      </details>
    </article>
  );
}

/** A label/value list that stacks on phones. */
export function Facts({ items }: { items: [string, React.ReactNode][] }) {
  return (
    <dl className="grid grid-cols-1 gap-x-6 gap-y-3 sm:grid-cols-2 lg:grid-cols-3">
      {items.map(([label, value]) => (
        <div key={label} className="min-w-0">
          <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
          <dd className="mt-0.5 break-words text-sm text-slate-900">{value ?? "—"}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Mono({ children }: { children: React.ReactNode }) {
  return <code className="break-all font-mono text-[0.8125rem]">{children}</code>;
}

/** An Auth0 application as a fact: its name when registered, and its client id. */
export function ApplicationValue({ clientId, name }: { clientId: string | null; name: string | null | undefined }) {
  return clientId ? (
    <span>
      {name ? `${name} · ` : ""}
      <Mono>{clientId}</Mono>
    </span>
  ) : (
    "—"
  );
}

/** The detail pages' way back to the list. */
export function BackToRecords() {
  return (
    <nav aria-label="Breadcrumb" className="text-sm">
      <Link href="/admin/records" className="text-brand-700 underline">
        ← Records
      </Link>
    </nav>
  );
}

/** An id as a link to the records it finds (the records search). */
export function SearchLink({ q, title }: { q: string | null; title: string }) {
  return q ? (
    <Link href={`/admin/records?q=${encodeURIComponent(q)}`} className="text-brand-700 underline" title={title}>
      <Mono>{q}</Mono>
    </Link>
  ) : (
    "—"
  );
}
