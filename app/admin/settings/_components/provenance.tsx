import type { ProviderProvenance, SettingSource } from "@/lib/settings/provenance";
import { Time } from "../../_ui/time";

/**
 * "Where these values come from": for each stored setting of a provider, the
 * value in force, whether it was copied from the environment or last changed
 * here (who, when), and a warning where the environment now says otherwise.
 */

function sourceText(s: SettingSource): React.ReactNode {
  if (s.kind === "admin")
    return (
      <>
        changed here by {s.by}, <Time value={s.at} />
      </>
    );
  if (s.kind === "environment")
    return s.at ? (
      <>
        environment, copied at start <Time value={s.at} />
      </>
    ) : (
      "environment, copied at first start"
    );
  return "not recorded";
}

export function Provenance({ data, name }: { data: ProviderProvenance; name: string }) {
  const differs = data.rows.filter((r) => r.envDiffers);
  return (
    <div className="mb-6 space-y-3" data-testid={`provenance-${data.provider}`}>
      {differs.length ? (
        <div
          role="alert"
          className="rounded-md border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900"
          data-testid={`env-differs-${data.provider}`}
        >
          <p className="font-medium">The environment now differs from the stored {name} settings.</p>
          <p className="mt-1">
            {differs.map((r) => r.envName).join(", ")} {differs.length === 1 ? "has" : "have"} changed since the value in force was stored.
            The stored values below are the ones in force: the environment only gives the first values. Change them here (or make the
            environment match) to remove this warning.
          </p>
        </div>
      ) : null}
      <details className="rounded-md border border-slate-200 p-3" open={differs.length ? true : undefined}>
        <summary className="cursor-pointer text-sm font-medium text-slate-800">Where these values come from</summary>
        <ul
          className="mt-3 grid gap-3 sm:grid-cols-2"
          aria-label={`${name} settings: value in force, where it came from, and the environment`}
        >
          {data.rows.map((r) => (
            <li
              key={r.field}
              className={`rounded-md border p-3 text-sm ${r.envDiffers ? "border-amber-300 bg-amber-50/50" : "border-slate-200"}`}
              data-testid={`provenance-${data.provider}-${r.field}`}
            >
              <p className="font-medium">
                {r.label} <span className="font-mono text-xs font-normal text-slate-500">{r.envName}</span>
              </p>
              <dl className="mt-1 grid grid-cols-[6.5rem_1fr] gap-x-2 gap-y-0.5">
                <dt className="text-slate-500">In force</dt>
                <dd className="break-all font-mono text-xs leading-5">{r.secret ? "•••• (set)" : r.inForce}</dd>
                <dt className="text-slate-500">From</dt>
                <dd>{sourceText(r.source)}</dd>
                <dt className="text-slate-500">Environment</dt>
                <dd className={r.envDiffers ? "break-all font-medium text-amber-900" : "text-slate-600"}>
                  {r.envDiffers ? (r.secret ? "differs (not shown)" : `differs: ${r.envValue}`) : r.envGiven ? "same" : "not set"}
                </dd>
              </dl>
            </li>
          ))}
        </ul>
      </details>
    </div>
  );
}
