import { z } from "zod";

/** Pieces of the admin pages' query strings (records page, CSV export): one value per key, trimmed text, UTC days. */

/** The first value of a query-string key. */
export const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);

/** Trimmed text, empty as absent. */
export const optionalText = z
  .string()
  .trim()
  .max(320)
  .optional()
  .transform((v) => (v ? v : undefined));

/** A day (YYYY-MM-DD, UTC), empty as absent. */
export const day = optionalText.refine(
  (v) => v === undefined || (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`))),
  "must be a date (YYYY-MM-DD)",
);

/** The start of a day (UTC). */
export const dayStart = (d: string) => new Date(`${d}T00:00:00.000Z`);

/** The end of a day (UTC), exclusive: the start of the next. */
export const dayEnd = (d: string) => new Date(Date.parse(`${d}T00:00:00.000Z`) + 86_400_000);
