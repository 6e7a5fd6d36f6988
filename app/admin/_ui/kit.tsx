/**
 * Small shared pieces of the admin pages (Tailwind, no component kit). Keep
 * page-specific components beside their page.
 */

export const btn = {
  primary:
    "inline-flex items-center justify-center rounded-md bg-brand-600 px-3.5 py-2 text-sm font-semibold text-white hover:bg-brand-700 disabled:opacity-50",
  secondary:
    "inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-3.5 py-2 text-sm font-medium text-slate-800 hover:bg-slate-50",
  danger: "inline-flex items-center justify-center rounded-md bg-rose-600 px-3.5 py-2 text-sm font-semibold text-white hover:bg-rose-700",
};

export const input =
  "block w-full rounded-md border border-slate-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-brand-600 aria-[invalid=true]:border-rose-500";

export function PageHeader({ title, description, children }: { title: string; description?: React.ReactNode; children?: React.ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-end justify-between gap-3">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight">{title}</h1>
        {description ? <p className="mt-1 text-sm text-slate-600">{description}</p> : null}
      </div>
      {children}
    </div>
  );
}

const BADGE: Record<string, string> = {
  verified: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  success: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  ok: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  not_verified: "bg-rose-50 text-rose-800 ring-rose-200",
  failed: "bg-rose-50 text-rose-800 ring-rose-200",
  error: "bg-rose-50 text-rose-800 ring-rose-200",
  revoked: "bg-slate-100 text-slate-700 ring-slate-300",
  declined: "bg-amber-50 text-amber-900 ring-amber-200",
  info: "bg-sky-50 text-sky-800 ring-sky-200",
};

export function Badge({ value }: { value: string }) {
  return (
    <span
      className={`inline-flex rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${BADGE[value] ?? "bg-slate-50 text-slate-700 ring-slate-200"}`}
    >
      {value.replace(/_/g, " ")}
    </span>
  );
}

/** A labelled form field with its error next to it (ids tie label, hint and error together). */
export function Field({
  name,
  label,
  hint,
  errors,
  children,
}: {
  name: string;
  label: string;
  hint?: string;
  errors?: string[];
  children: React.ReactNode;
}) {
  return (
    <div className="space-y-1">
      <label htmlFor={name} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {hint ? (
        <p id={`${name}-hint`} className="text-xs text-slate-600">
          {hint}
        </p>
      ) : null}
      {errors?.length ? (
        <p id={`${name}-error`} role="alert" className="text-sm text-rose-700">
          {errors.join(" ")}
        </p>
      ) : null}
    </div>
  );
}

export function Card({ title, children }: { title?: string; children: React.ReactNode }) {
  return (
    <section className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6">
      {title ? <h2 className="mb-3 text-base font-semibold">{title}</h2> : null}
      {children}
    </section>
  );
}

/** A column header: its label, or `{ label, right: true }` for a column of numbers. */
export type Column = string | React.ReactElement | { label: React.ReactNode; right: true };

/** A table's header row, one `<th scope="col">` per column. */
export function TableHead({
  columns,
  className = "bg-slate-50 text-xs uppercase text-slate-600",
}: {
  columns: Column[];
  className?: string;
}) {
  return (
    <thead className={className}>
      <tr>
        {columns.map((c, i) => {
          const right = typeof c === "object" && "right" in c;
          return (
            <th key={i} scope="col" className={right ? "px-3 py-2 text-right" : "px-3 py-2"}>
              {right ? c.label : c}
            </th>
          );
        })}
      </tr>
    </thead>
  );
}

/**
 * A day filter in the staff pages' one date format (YYYY-MM-DD, as every table shows
 * dates), typed rather than picked: a browser's date picker shows the day in its own
 * locale's format (12/02/2026), which the tables never use.
 */
export function DateInput({ name, label, value, problem }: { name: string; label: string; value?: string; problem?: string }) {
  return (
    <Field name={name} label={label} hint="YYYY-MM-DD" errors={problem ? [problem] : undefined}>
      <input
        id={name}
        name={name}
        type="text"
        inputMode="numeric"
        placeholder="YYYY-MM-DD"
        pattern={"[0-9]{4}-[0-9]{2}-[0-9]{2}"}
        title="A day as YYYY-MM-DD"
        autoComplete="off"
        defaultValue={value ?? ""}
        aria-invalid={problem ? true : undefined}
        aria-describedby={[`${name}-hint`, problem ? `${name}-error` : null].filter(Boolean).join(" ")}
        className={input}
      />
    </Field>
  );
}
