import Link from "next/link";
import { RANGE_LABELS, type RangeKey } from "@/lib/insight/range";

/** The range selector of the insight pages: plain links (no JavaScript), the current one marked. */
export function RangeNav({
  current,
  hrefFor,
  keys = ["24h", "7d", "30d"],
}: {
  current: RangeKey;
  hrefFor: (key: RangeKey) => string;
  keys?: RangeKey[];
}) {
  return (
    <nav aria-label="Time range" className="inline-flex flex-wrap rounded-lg border border-slate-300 bg-white p-0.5 text-sm">
      {keys.map((k) => (
        <Link
          key={k}
          href={hrefFor(k)}
          aria-current={k === current ? "page" : undefined}
          className={`rounded-md px-3 py-1.5 ${k === current ? "bg-brand-600 font-semibold text-white" : "text-slate-700 hover:bg-slate-100"}`}
        >
          {RANGE_LABELS[k]}
        </Link>
      ))}
    </nav>
  );
}

/** A number with a label, for the top of the insight pages. */
export function Stat({
  label,
  value,
  note,
  tone,
}: {
  label: string;
  value: string | number;
  note?: React.ReactNode;
  tone?: "good" | "bad" | "warn";
}) {
  const color =
    tone === "good" ? "text-emerald-700" : tone === "bad" ? "text-rose-700" : tone === "warn" ? "text-amber-700" : "text-slate-900";
  return (
    <div className="rounded-xl border border-slate-200 bg-white p-3 shadow-sm sm:p-4">
      <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className={`mt-1 text-2xl font-semibold tabular-nums ${color}`}>{value}</dd>
      {note ? <dd className="mt-0.5 text-xs text-slate-500">{note}</dd> : null}
    </div>
  );
}
