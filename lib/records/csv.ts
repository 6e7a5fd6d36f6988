import { ATTRIBUTE_FIELDS, type NormalizedAttributes } from "../providers/vocabulary";
import { maskAuth0UserId } from "../support/summary";

/**
 * CSV for the admin export (app/api/admin/export): RFC 4180 cells and lines,
 * with spreadsheet formula injection neutralized, and the columns each role
 * may take away. Support gets no attributes and a masked Auth0 user id;
 * admins get the Auth0 user id and, when they ask for them (an audited
 * reveal), the normalized attributes in clear.
 */

export type CsvRole = "admin" | "support";

/**
 * Characters that make a spreadsheet read a cell as a formula (OWASP: also tab
 * and carriage return), and their full-width forms (＝＋－＠), which some
 * spreadsheets fold to ASCII before they look.
 */
const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

/** One cell: text that starts like a formula gets a leading apostrophe; quoted when it holds a quote, comma or line break. */
export function csvCell(value: unknown): string {
  let text: string;
  if (value === null || value === undefined) text = "";
  else if (value instanceof Date) text = Number.isNaN(value.getTime()) ? "" : value.toISOString();
  else if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") text = String(value);
  else if (Array.isArray(value)) text = neutralize(value.map((v) => String(v)).join(" "));
  else text = neutralize(typeof value === "string" ? value : JSON.stringify(value));
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function neutralize(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}

/** One line, CRLF-terminated as RFC 4180 says. */
export function csvLine(cells: readonly unknown[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}

/** The normalized attributes an admin export may carry, in this order (the provider uuid has its own column). */
export const ATTRIBUTE_COLUMNS = ATTRIBUTE_FIELDS;

// ---------------------------------------------------------------------------
// Records

export interface RecordCsvRow {
  id: string;
  personId: string;
  auth0UserId: string;
  provider: string;
  providerUuid: string;
  status: string;
  policy: string;
  /** One row per policy: `identity` or `community:<group>`. */
  policyKey: string;
  groups: string[];
  lastClientId: string | null;
  lastCheckedAt: Date;
  expiresAt: Date;
}

const RECORD_COLUMNS = [
  "record_id",
  "person_id",
  "auth0_user_id",
  "provider",
  "provider_uuid",
  "status",
  "policy",
  "policy_key",
  "verified_groups",
  "last_application",
  "last_checked_at",
  "expires_at",
];

/** withAttributes is honoured for admins only. */
export function recordHeader(role: CsvRole, withAttributes = false): string[] {
  return role === "admin" && withAttributes ? [...RECORD_COLUMNS, ...ATTRIBUTE_COLUMNS.map((c) => `attr_${c}`)] : [...RECORD_COLUMNS];
}

/**
 * One record's cells. `attributes`: the opened normalized attributes (admins
 * with the attributes asked for); undefined leaves the attribute columns out,
 * null (a record that could not be opened) leaves them empty.
 */
export function recordCells(row: RecordCsvRow, role: CsvRole, attributes?: Partial<NormalizedAttributes> | null): unknown[] {
  const cells: unknown[] = [
    row.id,
    row.personId,
    role === "admin" ? row.auth0UserId : maskAuth0UserId(row.auth0UserId),
    row.provider,
    row.providerUuid,
    row.status,
    row.policy,
    row.policyKey,
    row.groups,
    row.lastClientId,
    row.lastCheckedAt,
    row.expiresAt,
  ];
  if (role === "admin" && attributes !== undefined) {
    for (const c of ATTRIBUTE_COLUMNS) cells.push(attributes?.[c] ?? "");
  }
  return cells;
}

// ---------------------------------------------------------------------------
// Attempts

export interface AttemptCsvRow {
  referenceCode: string;
  createdAt: Date;
  status: string;
  failureStep: string | null;
  failureCode: string | null;
  provider: string;
  policy: string;
  auth0ClientId: string | null;
  applicationName?: string | null;
  auth0UserId: string | null;
  personId: string | null;
  recordId: string | null;
}

export function attemptHeader(): string[] {
  return [
    "reference_code",
    "started_at",
    "status",
    "failure_step",
    "failure_code",
    "provider",
    "policy",
    "application_client_id",
    "application",
    "auth0_user_id",
    "person_id",
    "record_id",
  ];
}

export function attemptCells(row: AttemptCsvRow, role: CsvRole): unknown[] {
  return [
    row.referenceCode,
    row.createdAt,
    row.status,
    row.failureStep,
    row.failureCode,
    row.provider,
    row.policy,
    row.auth0ClientId,
    row.applicationName ?? null,
    row.auth0UserId ? (role === "admin" ? row.auth0UserId : maskAuth0UserId(row.auth0UserId)) : null,
    row.personId,
    row.recordId,
  ];
}
