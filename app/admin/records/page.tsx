import Link from "next/link";
import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import {
  InvalidCursorError,
  POLICIES,
  RECORD_STATUSES,
  applicationNames,
  listRecords,
  policyLabel,
  recordProviders,
  type RecordPage,
  type RecordRow,
} from "@/lib/records";
import { parseRecordSearch, recordSearchQuery, type RecordSearch } from "./search";
import { Badge, DateInput, Field, PageHeader, TableHead, btn, input } from "../_ui/kit";
import { Time } from "../_ui/time";
import { exportHref } from "@/lib/insight/links";

export const metadata: Metadata = { title: "Records" };

type SearchParams = Record<string, string | string[] | undefined>;

// Community groups ID.me knows; any other group name can be typed.
const KNOWN_GROUPS = ["identity", "military", "student", "teacher", "responder", "nurse", "government", "hospital_employee"];

const PROVIDER_NAMES: Record<string, string> = { idme: "ID.me", idpartner: "IDPartner" };

export default async function RecordsPage({ searchParams }: { searchParams: Promise<SearchParams> }) {
  const params = await searchParams;
  const { search, filter, page, problems } = parseRecordSearch(params);
  const staff = await guardPage("support", `/admin/records${recordSearchQuery(search)}`);

  let result: RecordPage;
  try {
    result = await listRecords(filter, page);
  } catch (err) {
    if (!(err instanceof InvalidCursorError)) throw err;
    problems.cursor = "the page link is not valid; showing the first page";
    result = await listRecords(filter, { size: page.size });
  }
  const [apps, providers] = await Promise.all([applicationNames(), recordProviders()]);
  const { cursor: _cursor, ...withoutCursor } = search;
  const filtered = Object.entries(withoutCursor).some(([k, v]) => k !== "size" && v !== undefined);
  const nextHref = result.nextCursor ? `/admin/records${recordSearchQuery({ ...withoutCursor, cursor: result.nextCursor })}` : null;
  const firstHref = search.cursor ? `/admin/records${recordSearchQuery(withoutCursor)}` : null;

  return (
    <div>
      <PageHeader
        title="Verification records"
        description="The provider's last answer for each provider identity and policy: one row per policy (identity, each community group), each with its own status, last check and expiry. Search finds exact identifiers; filters narrow the list."
      >
        <div className="flex flex-wrap gap-2">
          <a href={exportHref("records", params)} className={btn.secondary} data-testid="export-csv">
            Download CSV
          </a>
          {staff.role === "admin" ? (
            // Admins only (the export refuses support too); the reveal is written to the audit log.
            <a
              href={exportHref("records", params, { attributes: "1" })}
              className={btn.secondary}
              data-testid="export-attributes"
              title="The same CSV with the verified attributes (name, birth date, …) in clear; written to the audit log"
            >
              Download CSV with attributes
            </a>
          ) : null}
        </div>
      </PageHeader>
      <FilterForm search={search} apps={apps} providers={providers} problems={problems} filtered={filtered} />

      {Object.keys(problems).length ? (
        <div role="status" className="mb-4 rounded-md border border-amber-200 bg-amber-50 p-3 text-sm text-amber-900">
          Some parts of the address were ignored:{" "}
          {Object.entries(problems)
            .map(([k, m]) => `${k} ${m}`)
            .join("; ")}
          .
        </div>
      ) : null}

      <section aria-labelledby="results-heading" className="mt-6">
        <h2 id="results-heading" className="sr-only">
          Results
        </h2>
        {result.rows.length === 0 ? (
          <EmptyState filtered={filtered} q={search.q} paged={Boolean(search.cursor)} />
        ) : (
          <>
            <p className="mb-2 text-sm text-slate-600" role="status">
              {result.rows.length === 1 ? "1 record" : `${result.rows.length} records`}
              {search.cursor ? " (later page)" : ""}, newest check first.
            </p>
            <RecordsTable rows={result.rows} apps={apps} />
            <RecordCards rows={result.rows} apps={apps} />
          </>
        )}
        {nextHref || firstHref ? (
          <nav aria-label="Pages" className="mt-4 flex flex-wrap items-center justify-between gap-3">
            {firstHref ? (
              <Link href={firstHref} className={btn.secondary}>
                ← First page
              </Link>
            ) : (
              <span />
            )}
            {nextHref ? (
              <Link href={nextHref} className={btn.secondary} rel="next" data-testid="next-page">
                Next page →
              </Link>
            ) : null}
          </nav>
        ) : null}
      </section>
    </div>
  );
}

function FilterForm({
  search,
  apps,
  providers,
  problems,
  filtered,
}: {
  search: RecordSearch;
  apps: Map<string, string>;
  providers: string[];
  problems: Record<string, string>;
  filtered: boolean;
}) {
  // A filtered application or provider that is not in the lists still shows as selected.
  const appOptions = new Map(apps);
  if (search.application && !appOptions.has(search.application)) appOptions.set(search.application, search.application);
  const providerOptions = [...new Set([...providers, ...(search.provider ? [search.provider] : [])])];
  return (
    <form
      method="get"
      action="/admin/records"
      role="search"
      aria-label="Search and filter records"
      className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm"
    >
      <div className="flex flex-col gap-2 sm:flex-row sm:items-end">
        <div className="flex-1">
          <Field
            name="q"
            label="Search"
            hint="Exact match. Emails are found through a keyed hash (the address itself is not stored in clear)."
          >
            <input
              id="q"
              name="q"
              type="search"
              defaultValue={search.q ?? ""}
              placeholder="Email, Auth0 user id, ID.me uuid, reference code, person or record id"
              aria-describedby="q-hint"
              autoComplete="off"
              spellCheck={false}
              className={input}
            />
          </Field>
        </div>
      </div>

      <fieldset className="mt-4">
        <legend className="text-sm font-medium text-slate-800">Filters</legend>
        <div className="mt-2 grid grid-cols-2 gap-3 lg:grid-cols-4">
          <Select name="status" label="Status" value={search.status} options={RECORD_STATUSES.map((s) => [s, s.replace(/_/g, " ")])} />
          <Select name="policy" label="Policy" value={search.policy} options={POLICIES.map((p) => [p, p])} />
          <Select
            name="provider"
            label="Provider"
            value={search.provider}
            options={providerOptions.map((p) => [p, PROVIDER_NAMES[p] ?? p])}
          />
          <Select
            name="application"
            label="Application"
            value={search.application}
            options={[...appOptions].map(([id, name]) => [id, name === id ? id : `${name} (${id})`])}
          />
          <Field name="group" label="Verified group">
            <input
              id="group"
              name="group"
              list="known-groups"
              defaultValue={search.group ?? ""}
              placeholder="e.g. military"
              autoComplete="off"
              className={input}
            />
            <datalist id="known-groups">
              {KNOWN_GROUPS.map((g) => (
                <option key={g} value={g} />
              ))}
            </datalist>
          </Field>
          <DateInput name="from" label="Checked from (UTC)" value={search.from} problem={problems.from} />
          <DateInput name="to" label="Checked until (UTC)" value={search.to} problem={problems.to} />
          <Select
            name="size"
            label="Rows per page"
            value={search.size ? String(search.size) : undefined}
            options={[
              ["100", "100"],
              ["200", "200"],
            ]}
            emptyLabel="50"
          />
        </div>
      </fieldset>

      <div className="mt-4 flex flex-wrap gap-2">
        <button type="submit" className={btn.primary}>
          Search
        </button>
        {filtered ? (
          <Link href="/admin/records" className={btn.secondary}>
            Clear
          </Link>
        ) : null}
      </div>
    </form>
  );
}

function Select({
  name,
  label,
  value,
  options,
  emptyLabel = "Any",
}: {
  name: string;
  label: string;
  value?: string;
  options: [string, string][];
  emptyLabel?: string;
}) {
  return (
    <Field name={name} label={label}>
      <select id={name} name={name} defaultValue={value ?? ""} className={input}>
        <option value="">{emptyLabel}</option>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </Field>
  );
}

function EmptyState({ filtered, q, paged }: { filtered: boolean; q?: string; paged: boolean }) {
  return (
    <div className="rounded-xl border border-dashed border-slate-300 bg-white p-8 text-center" data-testid="records-empty">
      {paged ? (
        <p className="font-medium">No more records.</p>
      ) : filtered ? (
        <>
          <p className="font-medium">No records match{q ? <> “{q}”</> : null}.</p>
          <p className="mt-1 text-sm text-slate-600">
            Search needs an exact identifier (a whole email address, Auth0 user id, ID.me uuid, reference code, person or record id). Try
            fewer filters, or{" "}
            <Link href="/admin/records" className="underline">
              show all records
            </Link>
            .
          </p>
        </>
      ) : (
        <>
          <p className="font-medium">No verification records yet.</p>
          <p className="mt-1 text-sm text-slate-600">A record is kept after a person returns from the provider for the first time.</p>
        </>
      )}
    </div>
  );
}

function appLabel(apps: Map<string, string>, clientId: string | null) {
  if (!clientId) return <span className="text-slate-500">—</span>;
  const name = apps.get(clientId);
  return name ? (
    <span>
      {name}
      <span className="block font-mono text-xs text-slate-500">{clientId}</span>
    </span>
  ) : (
    <span className="font-mono text-xs">{clientId}</span>
  );
}

function Expiry({ at }: { at: Date }) {
  // Rendered on the server once per request: reading the clock here is intended.
  // eslint-disable-next-line react-hooks/purity
  const expired = at.getTime() < Date.now();
  return (
    <span className={expired ? "text-slate-500" : undefined}>
      <Time value={at} />
      {expired ? <span className="ml-1 text-xs">(expired)</span> : null}
    </span>
  );
}

function Groups({ groups }: { groups: string[] }) {
  if (!groups.length) return <span className="text-slate-500">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {groups.map((g) => (
        <span key={g} className="rounded bg-brand-50 px-1.5 py-0.5 text-xs text-brand-900">
          {g}
        </span>
      ))}
    </span>
  );
}

const recordHref = (id: string) => `/admin/records/${encodeURIComponent(id)}`;

function RecordsTable({ rows, apps }: { rows: RecordRow[]; apps: Map<string, string> }) {
  return (
    <div
      role="region"
      className="hidden overflow-x-auto rounded-xl border border-slate-200 bg-white shadow-sm md:block"
      tabIndex={0}
      aria-label="Records (the table scrolls sideways)"
    >
      <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="records-table">
        <TableHead
          className="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-600"
          columns={[
            "Record",
            "Status",
            "Policy · verified groups",
            "Application",
            "Auth0 user",
            <span key="lc" className="whitespace-nowrap">
              Last check
            </span>,
            "Expires",
          ]}
        />
        <tbody className="divide-y divide-slate-100">
          {rows.map((r) => (
            <tr key={r.id} className="align-top hover:bg-slate-50">
              <td className="px-3 py-2">
                <Link href={recordHref(r.id)} className="font-mono text-xs text-brand-700 underline">
                  {r.id}
                </Link>
                <span className="block text-xs text-slate-500">
                  {PROVIDER_NAMES[r.provider] ?? r.provider} · <span className="font-mono">{r.providerUuid.slice(0, 12)}…</span>
                </span>
              </td>
              <td className="px-3 py-2">
                <Badge value={r.status} />
              </td>
              <td className="px-3 py-2">
                <span className="block" data-testid="record-policy">
                  {policyLabel(r.policyKey)}
                </span>
                <Groups groups={r.groups} />
              </td>
              <td className="px-3 py-2">{appLabel(apps, r.lastClientId)}</td>
              <td className="max-w-[14rem] px-3 py-2">
                <span className="block break-all font-mono text-xs">{r.auth0UserId}</span>
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <Time value={r.lastCheckedAt} />
              </td>
              <td className="px-3 py-2 whitespace-nowrap">
                <Expiry at={r.expiresAt} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RecordCards({ rows, apps }: { rows: RecordRow[]; apps: Map<string, string> }) {
  return (
    <ul className="space-y-3 md:hidden" data-testid="records-cards">
      {rows.map((r) => (
        <li key={r.id} className="rounded-xl border border-slate-200 bg-white p-4 shadow-sm">
          <div className="flex items-start justify-between gap-3">
            <Link href={recordHref(r.id)} className="break-all font-mono text-xs text-brand-700 underline">
              {r.id}
            </Link>
            <Badge value={r.status} />
          </div>
          <dl className="mt-3 grid grid-cols-[auto_1fr] gap-x-3 gap-y-1.5 text-sm">
            <dt className="text-slate-500">Policy</dt>
            <dd>
              {policyLabel(r.policyKey)} <Groups groups={r.groups} />
            </dd>
            <dt className="text-slate-500">App</dt>
            <dd>{appLabel(apps, r.lastClientId)}</dd>
            <dt className="text-slate-500">User</dt>
            <dd className="break-all font-mono text-xs">{r.auth0UserId}</dd>
            <dt className="text-slate-500">Checked</dt>
            <dd>
              <Time value={r.lastCheckedAt} />
            </dd>
            <dt className="text-slate-500">Expires</dt>
            <dd>
              <Expiry at={r.expiresAt} />
            </dd>
          </dl>
        </li>
      ))}
    </ul>
  );
}
