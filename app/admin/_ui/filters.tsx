import Link from "next/link";
import { NONE } from "@/lib/insight/attempts";
import { attemptHref } from "@/lib/insight/links";
import { Badge, input } from "./kit";
import { Time } from "./time";

/** The "Application" filter of the insight pages: every registered application, the chosen one, and attempts without one. */
export function ApplicationSelect({
  value,
  names,
  anyLabel,
  noneLabel,
}: {
  value: string | undefined;
  names: ReadonlyMap<string, string>;
  anyLabel: string;
  noneLabel: string;
}) {
  return (
    <label className="text-sm">
      Application
      <select name="app" defaultValue={value ?? ""} className={`${input} min-w-48`}>
        <option value="">{anyLabel}</option>
        {[...names.entries()].map(([id, name]) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
        {value && value !== NONE && !names.has(value) ? <option value={value}>{value}</option> : null}
        <option value={NONE}>{noneLabel}</option>
      </select>
    </label>
  );
}

/** The first cells of an attempt's row in every attempts table: its reference (linked), when it started, its status. */
export function AttemptLeadCells({ a }: { a: { referenceCode: string; createdAt: Date; status: string } }) {
  return (
    <>
      <td className="whitespace-nowrap px-3 py-2">
        <Link href={attemptHref(a.referenceCode)} className="font-mono text-brand-700 underline">
          {a.referenceCode}
        </Link>
      </td>
      <td className="whitespace-nowrap px-3 py-2">
        <Time value={a.createdAt} />
      </td>
      <td className="px-3 py-2">
        <Badge value={a.status} />
      </td>
    </>
  );
}
