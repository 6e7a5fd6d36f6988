"use client";

import { useSyncExternalStore } from "react";
import { formatInstant } from "./when";

/**
 * A moment on a staff page: in the viewer's time zone once the page runs in a
 * browser, UTC before (and without JavaScript), always the same format
 * (YYYY-MM-DD HH:MM:SS and the zone's abbreviation), UTC on hover:
 *
 *   <Time value={event.at} />
 */

const noChange = () => () => {};
const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
const serverZone = () => "UTC";

export function Time({ value, className }: { value: Date | string | null | undefined; className?: string }) {
  const zone = useSyncExternalStore(noChange, browserZone, serverZone);
  if (!value) return <span className={className}>—</span>;
  const d = typeof value === "string" ? new Date(value) : value;
  if (Number.isNaN(d.getTime())) return <span className={className}>—</span>;
  const utc = formatInstant(d, "UTC");
  return (
    <time dateTime={d.toISOString()} title={utc} className={className}>
      {zone === "UTC" ? utc : formatInstant(d, zone)}
    </time>
  );
}
