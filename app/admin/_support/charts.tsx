import Link from "next/link";
import { labelEvery, niceMax, ticks } from "@/lib/insight/chart";
import { bucketLabel, bucketTitle, type Bucket } from "@/lib/insight/range";

/**
 * Server-rendered inline SVG charts for the insight pages: no chart library,
 * no client JavaScript. Each chart has an accessible title and description,
 * scales with its viewBox (a compact drawing on phones), and comes with its
 * numbers as a table.
 */

export interface Series {
  key: string;
  label: string;
  values: number[];
  color: string;
  /** Where the legend entry links (e.g. the attempts of a cause). */
  href?: string;
}

/** A chart's drawing area: a wide one for tablets and desktops, a compact one for phones (same data, larger type). */
interface Frame {
  W: number;
  H: number;
  M: { l: number; r: number; t: number; b: number };
  labels: { hour: number; day: number };
  /** Suffix of the element ids, so both frames can be on the page. */
  suffix: string;
  className: string;
}

const WIDE: Frame = {
  W: 760,
  H: 240,
  M: { l: 44, r: 20, t: 12, b: 30 },
  labels: { hour: 8, day: 10 },
  suffix: "",
  className: "hidden sm:block",
};
const NARROW: Frame = {
  W: 360,
  H: 220,
  M: { l: 40, r: 18, t: 10, b: 28 },
  labels: { hour: 4, day: 4 },
  suffix: "-sm",
  className: "sm:hidden",
};
const FRAMES = [WIDE, NARROW];

const pw = (f: Frame) => f.W - f.M.l - f.M.r;
const ph = (f: Frame) => f.H - f.M.t - f.M.b;

const fmtTick = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(1));

/** One frame of a chart: an image whose name and description are the chart's title and summary. */
function ChartSvg({
  f,
  id,
  title,
  summary,
  children,
}: {
  f: Frame;
  id: string;
  title: string;
  summary: string;
  children: React.ReactNode;
}) {
  return (
    <svg
      viewBox={`0 0 ${f.W} ${f.H}`}
      className={`h-auto w-full ${f.className}`}
      role="img"
      aria-labelledby={`${id}${f.suffix}-title ${id}${f.suffix}-desc`}
    >
      <title id={`${id}${f.suffix}-title`}>{title}</title>
      <desc id={`${id}${f.suffix}-desc`}>{summary}</desc>
      {children}
    </svg>
  );
}

function Axes({
  f,
  top,
  format = fmtTick,
  bucket,
  buckets,
}: {
  f: Frame;
  top: number;
  format?: (v: number) => string;
  bucket: Bucket;
  buckets: Date[];
}) {
  const n = buckets.length;
  const slot = pw(f) / n;
  const every = labelEvery(n, f.labels[bucket]);
  const base = f.M.t + ph(f);
  return (
    <g aria-hidden="true">
      {ticks(top).map((t) => {
        const y = base - (t / top) * ph(f);
        return (
          <g key={t}>
            <line x1={f.M.l} x2={f.W - f.M.r} y1={y} y2={y} stroke="#E2E8F0" strokeWidth={1} />
            <text x={f.M.l - 6} y={y + 4} textAnchor="end" fontSize={11} fill="#64748B">
              {format(t)}
            </text>
          </g>
        );
      })}
      {/* Labels counted back from the newest bucket, so the newest is always labelled. */}
      {buckets.map((b, i) =>
        (n - 1 - i) % every === 0 ? (
          <text key={b.toISOString()} x={f.M.l + i * slot + slot / 2} y={f.H - 10} textAnchor="middle" fontSize={11} fill="#64748B">
            {bucketLabel(bucket, b)}
          </text>
        ) : null,
      )}
      <line x1={f.M.l} x2={f.W - f.M.r} y1={base} y2={base} stroke="#94A3B8" strokeWidth={1} />
    </g>
  );
}

export function Legend({ series }: { series: Pick<Series, "key" | "label" | "color" | "href">[] }) {
  return (
    <ul className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
      {series.map((s) => (
        <li key={s.key} className="flex items-center gap-1.5">
          <span aria-hidden="true" className="inline-block h-3 w-3 rounded-sm" style={{ background: s.color }} />
          {s.href ? (
            <Link href={s.href} className="font-mono underline decoration-slate-300 hover:decoration-slate-600">
              {s.label}
            </Link>
          ) : (
            <span className="font-mono">{s.label}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** Bars per hour or day, stacked by series (e.g. failures by cause, attempts by outcome). */
export function StackedBarChart({
  id,
  title,
  summary,
  bucket,
  buckets,
  series,
  unit,
}: {
  id: string;
  title: string;
  /** One or two sentences saying what the chart shows (read by screen readers). */
  summary: string;
  bucket: Bucket;
  buckets: Date[];
  series: Series[];
  /** What one unit is, for tooltips and the table ("failures", "attempts"). */
  unit: string;
}) {
  const totals = buckets.map((_, i) => series.reduce((sum, x) => sum + (x.values[i] ?? 0), 0));
  const top = niceMax(Math.max(0, ...totals), 4);
  return (
    <figure className="m-0">
      {FRAMES.map((f) => {
        const slot = pw(f) / buckets.length;
        const bw = Math.max(1, slot * 0.72);
        return (
          <ChartSvg key={f.suffix} f={f} id={id} title={title} summary={summary}>
            <Axes f={f} top={top} bucket={bucket} buckets={buckets} />
            {buckets.map((b, i) => {
              const x = f.M.l + i * slot + (slot - bw) / 2;
              let base = f.M.t + ph(f);
              const parts = series.filter((s) => (s.values[i] ?? 0) > 0).map((s) => `${s.label} ${s.values[i]}`);
              return (
                <g key={b.toISOString()}>
                  <rect x={f.M.l + i * slot} y={f.M.t} width={slot} height={ph(f)} fill="transparent">
                    <title>{`${bucketTitle(bucket, b)}: ${totals[i]} ${unit}${parts.length ? ` — ${parts.join(", ")}` : ""}`}</title>
                  </rect>
                  {series.map((s) => {
                    const v = s.values[i] ?? 0;
                    if (!v) return null;
                    const h = (v / top) * ph(f);
                    base -= h;
                    return (
                      <rect key={s.key} x={x} y={base} width={bw} height={h} fill={s.color}>
                        <title>{`${bucketTitle(bucket, b)}: ${s.label} ${v}`}</title>
                      </rect>
                    );
                  })}
                </g>
              );
            })}
          </ChartSvg>
        );
      })}
      <Legend series={series} />
      <DataTable
        caption={`${title} (numbers)`}
        bucket={bucket}
        buckets={buckets}
        columns={series.map((s) => ({ key: s.key, label: s.label, values: s.values }))}
        total={totals}
      />
    </figure>
  );
}

/** A value per hour or day as a line (gaps where there is no value). */
export function LineChart({
  id,
  title,
  summary,
  bucket,
  buckets,
  values,
  color = "#1F5FBF",
  format = fmtTick,
  max,
  label,
  minTop,
}: {
  id: string;
  title: string;
  summary: string;
  bucket: Bucket;
  buckets: Date[];
  values: (number | null)[];
  color?: string;
  format?: (v: number) => string;
  /** Fixed top of the axis (e.g. 1 for a share); else a nice maximum of the values. */
  max?: number;
  /** Name of the value, for the table. */
  label: string;
  /** The axis reaches at least this high (e.g. 10 seconds), so small values are not blown up. */
  minTop?: number;
}) {
  const top = max ?? niceMax(Math.max(0, ...values.filter((v): v is number => v !== null)), minTop ?? 1);
  return (
    <figure className="m-0">
      {FRAMES.map((f) => {
        const slot = pw(f) / buckets.length;
        const pt = (i: number, v: number) => [f.M.l + i * slot + slot / 2, f.M.t + ph(f) - (Math.min(v, top) / top) * ph(f)] as const;
        // Runs of consecutive values, drawn as separate lines (a bucket without a value is a gap).
        const runs: (readonly [number, number])[][] = [];
        let run: (readonly [number, number])[] = [];
        values.forEach((v, i) => {
          if (v === null) {
            if (run.length) runs.push(run);
            run = [];
          } else run.push(pt(i, v));
        });
        if (run.length) runs.push(run);
        return (
          <ChartSvg key={f.suffix} f={f} id={id} title={title} summary={summary}>
            <Axes f={f} top={top} format={format} bucket={bucket} buckets={buckets} />
            {runs.map((r, k) => (
              <polyline
                key={k}
                points={r.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(" ")}
                fill="none"
                stroke={color}
                strokeWidth={2}
                strokeLinejoin="round"
              />
            ))}
            {values.map((v, i) => {
              if (v === null) return null;
              const [x, y] = pt(i, v);
              return (
                <circle key={i} cx={x} cy={y} r={3.5} fill="#fff" stroke={color} strokeWidth={2}>
                  <title>{`${bucketTitle(bucket, buckets[i]!)}: ${format(v)}`}</title>
                </circle>
              );
            })}
          </ChartSvg>
        );
      })}
      <DataTable
        caption={`${title} (numbers)`}
        bucket={bucket}
        buckets={buckets}
        columns={[{ key: "v", label, values: values.map((v) => (v === null ? "—" : format(v))) }]}
      />
    </figure>
  );
}

/** The chart's numbers as a table, folded away (the fallback for screen readers and for copying). */
export function DataTable({
  caption,
  bucket,
  buckets,
  columns,
  total,
}: {
  caption: string;
  bucket: Bucket;
  buckets: Date[];
  columns: { key: string; label: string; values: (number | string)[] }[];
  total?: number[];
}) {
  return (
    <details className="mt-3 text-sm">
      <summary className="cursor-pointer text-brand-700 underline decoration-brand-100 underline-offset-2">
        Show the numbers as a table
      </summary>
      {/* A scrollable region: focusable and named, so keyboard users can scroll it (WCAG 2.1.1). */}
      <div className="mt-2 max-h-96 overflow-auto rounded-lg border border-slate-200" tabIndex={0} role="region" aria-label={caption}>
        <table className="min-w-full text-left text-xs">
          <caption className="sr-only">{caption}</caption>
          <thead className="sticky top-0 bg-slate-50 text-slate-600">
            <tr>
              <th scope="col" className="px-2 py-1.5">
                {bucket === "hour" ? "Hour (UTC)" : "Day (UTC)"}
              </th>
              {columns.map((c) => (
                <th key={c.key} scope="col" className="px-2 py-1.5 font-mono">
                  {c.label}
                </th>
              ))}
              {total ? (
                <th scope="col" className="px-2 py-1.5">
                  Total
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {buckets.map((b, i) => (
              <tr key={b.toISOString()}>
                <th scope="row" className="whitespace-nowrap px-2 py-1 font-normal">
                  {bucketTitle(bucket, b)}
                </th>
                {columns.map((c) => (
                  <td key={c.key} className="px-2 py-1 tabular-nums">
                    {c.values[i] ?? 0}
                  </td>
                ))}
                {total ? <td className="px-2 py-1 font-medium tabular-nums">{total[i]}</td> : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}

/** A tiny bar series for one row of a table (small multiples); the peak bucket stands out. */
export function Sparkline({
  values,
  label,
  color,
  highlight,
}: {
  values: number[];
  label: string;
  color: string;
  highlight?: number | null;
}) {
  const n = values.length || 1;
  const max = Math.max(1, ...values);
  const w = n * 4;
  return (
    <svg viewBox={`0 0 ${w} 20`} preserveAspectRatio="none" className="h-6 w-32" role="img" aria-label={label}>
      <line x1={0} x2={w} y1={19.5} y2={19.5} stroke="#E2E8F0" strokeWidth={1} />
      {values.map((v, i) =>
        v > 0 ? (
          <rect
            key={i}
            x={i * 4 + 0.5}
            y={20 - (v / max) * 19}
            width={3}
            height={(v / max) * 19}
            fill={highlight === i ? "#E11D48" : color}
          />
        ) : null,
      )}
    </svg>
  );
}

/** A horizontal bar for a table cell (share of the largest value). */
export function CellBar({ value, max, color = "#1F5FBF" }: { value: number; max: number; color?: string }) {
  const w = max > 0 ? Math.max(0, Math.min(100, (value / max) * 100)) : 0;
  return (
    <svg viewBox="0 0 100 8" preserveAspectRatio="none" className="h-2 w-24" aria-hidden="true">
      <rect x={0} y={0} width={100} height={8} fill="#F1F5F9" rx={2} />
      {w > 0 ? <rect x={0} y={0} width={w} height={8} fill={color} rx={2} /> : null}
    </svg>
  );
}
