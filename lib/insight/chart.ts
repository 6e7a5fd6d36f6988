/**
 * Geometry of the insight charts (server-rendered SVG, no chart library):
 * a "nice" axis maximum and ticks, and which bucket labels to print so they
 * never overlap. Pure, so it is easy to test and to reuse.
 */

/** The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `max` (at least `min`). */
export function niceMax(max: number, min = 1): number {
  const v = Math.max(max, min);
  const exp = Math.floor(Math.log10(v));
  const base = 10 ** exp;
  for (const m of [1, 2, 2.5, 5, 10]) if (m * base >= v) return m * base;
  return 10 * base;
}

/** Ticks from 0 to `top` in about four equal steps; whole-number steps when `top` is a whole number of at least 2. */
export function ticks(top: number, count = 4): number[] {
  if (Number.isInteger(top) && top >= 2) count = [count, 5, 4, 3, 2].find((c) => top % c === 0 && top / c >= 1) ?? 1;
  const step = top / count;
  return Array.from({ length: count + 1 }, (_, i) => Number((i * step).toFixed(2)));
}

/** Every how many buckets a label fits (at most `maxLabels` labels). */
export function labelEvery(buckets: number, maxLabels = 8): number {
  return Math.max(1, Math.ceil(buckets / maxLabels));
}

/** Colour-blind-safe series colours (Okabe–Ito), then grey for "other". */
export const SERIES_COLORS = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#F0E442"];
export const OTHER_COLOR = "#94A3B8";

export const OUTCOME_COLORS = {
  verified: "#059669",
  failed: "#E11D48",
  declined: "#D97706",
  error: "#7C3AED",
  unfinished: "#CBD5E1",
} as const;
