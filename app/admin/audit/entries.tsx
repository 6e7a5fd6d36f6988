import Link from "next/link";
import type { AuditAction } from "@/lib/audit";
import { recordHref } from "@/lib/insight/links";
import { Time } from "../_ui/time";

/** What each audit action means, in staff's words. */
export const ACTION_LABELS: Record<AuditAction, string> = {
  "settings.update": "Settings changed",
  "application.create": "Application added",
  "application.update": "Application changed",
  "application.delete": "Application deleted",
  "record.reveal": "Personal data revealed",
  "record.revoke": "Verification revoked",
  "attempt.summary_copied": "Attempt summary copied",
  "identity.unlink": "Identity unlinked",
  "identity.move": "Identity moved",
  "person.erase": "Person erased",
  "person.export": "Person's data downloaded",
  "staff.sign_in": "Staff signed in",
  "retention.update": "Retention changed",
  "retention.purge": "Retention purge ran",
  "signal.transmitter_update": "Shared Signals transmitter changed",
  "signal.revoke": "Verification revoked by a provider's event",
  "signal.stream_update": "Shared Signals stream changed",
  "auth0.push": "Revocation pushed to Auth0",
  "webhook.endpoint_update": "Webhook endpoint changed",
  "webhook.secret_rotate": "Webhook signing secret rotated",
  "webhook.test": "Webhook test event sent",
  "webhook.redeliver": "Webhook delivery sent again",
};

export const actionLabel = (action: string) => ACTION_LABELS[action as AuditAction] ?? action;

export interface AuditRowView {
  id: bigint;
  at: Date;
  actorEmail: string | null;
  actorId: string;
  actorRole: string;
  action: string;
  target: string | null;
  reason: string | null;
  details: unknown;
}

/** intervalHours → "Interval hours"; snake_case too. */
function fieldLabel(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .replace(/[_.]+/g, " ")
    .trim()
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function plain(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return v.length ? v.map(plain).join(", ") : "—";
  const entries = Object.entries(v as Record<string, unknown>);
  if (!entries.length) return "—";
  return entries.map(([k, x]) => `${fieldLabel(k)}: ${plain(x)}`).join("; ");
}

const isChange = (v: unknown): v is { from: unknown; to: unknown } =>
  typeof v === "object" && v !== null && !Array.isArray(v) && Object.keys(v).length === 2 && "from" in v && "to" in v;

/** The details of an entry as a list: "field: before → after" for changes, "field: value" for facts. */
export function Details({ details }: { details: unknown }) {
  if (!details || typeof details !== "object" || Array.isArray(details)) {
    return details ? <span>{plain(details)}</span> : <span className="text-slate-600">—</span>;
  }
  const entries = Object.entries(details as Record<string, unknown>);
  // A change of the whole thing (e.g. a record's status: { from: "verified", to: "revoked", … }).
  const top = details as Record<string, unknown>;
  const status = typeof top.from === "string" && typeof top.to === "string" ? { from: top.from, to: top.to } : null;
  const rows = entries.filter(([k]) => !(status && (k === "from" || k === "to")));
  if (!rows.length && !status) return <span className="text-slate-600">—</span>;
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-0.5 text-xs">
      {status ? <Change label="Status" from={status.from} to={status.to} /> : null}
      {rows.map(([k, v]) =>
        isChange(v) ? (
          <Change key={k} label={fieldLabel(k)} from={plain(v.from)} to={plain(v.to)} />
        ) : (
          <Fact key={k} label={fieldLabel(k)} value={plain(v)} />
        ),
      )}
    </dl>
  );
}

function Change({ label, from, to }: { label: string; from: string; to: string }) {
  return (
    <>
      <dt className="font-medium text-slate-700">{label}</dt>
      <dd className="break-words">
        <del className="bg-rose-50 text-rose-800">{from}</del>
        <span aria-hidden="true"> → </span>
        <span className="sr-only"> changed to </span>
        <ins className="bg-emerald-50 text-emerald-900 no-underline">{to}</ins>
      </dd>
    </>
  );
}

function Fact({ label, value }: { label: string; value: string }) {
  return (
    <>
      <dt className="font-medium text-slate-700">{label}</dt>
      <dd className="break-words text-slate-800">{value}</dd>
    </>
  );
}

export function Target({ e }: { e: AuditRowView }) {
  if (e.target && e.action.startsWith("record.") && e.target !== "export") {
    return (
      <Link className="font-mono text-xs underline" href={recordHref(e.target)}>
        {e.target}
      </Link>
    );
  }
  return <span className="font-mono text-xs">{e.target ?? "—"}</span>;
}

export function Who({ e }: { e: AuditRowView }) {
  return (
    <>
      <span className="break-all">{e.actorEmail ?? e.actorId}</span>
      <span className="block text-xs text-slate-600">{e.actorRole}</span>
    </>
  );
}

export function What({ e }: { e: AuditRowView }) {
  return (
    <>
      <span className="font-medium">{actionLabel(e.action)}</span>
      <span className="block font-mono text-xs text-slate-600">{e.action}</span>
    </>
  );
}

/** The log on a phone: one card per entry, what matters first (what, when, who, why), then the details. */
export function AuditCards({ events }: { events: AuditRowView[] }) {
  return (
    <ol className="space-y-3 sm:hidden">
      {events.map((e) => (
        <li key={String(e.id)} className="rounded-xl border border-slate-200 bg-white p-3 text-sm">
          <div className="flex flex-wrap items-baseline justify-between gap-x-3">
            <p>
              <What e={e} />
            </p>
            <Time value={e.at} className="text-xs text-slate-700" />
          </div>
          <p className="mt-1">
            <Who e={e} />
          </p>
          <p className="mt-1">
            <span className="text-slate-600">Target: </span>
            <Target e={e} />
          </p>
          {e.reason ? <p className="mt-1">Reason: {e.reason}</p> : null}
          <div className="mt-2">
            <Details details={e.details} />
          </div>
        </li>
      ))}
    </ol>
  );
}
