import type { ProviderProvenance, SettingSource } from "@/lib/settings/provenance";
import { fmtDate } from "../../_ui/kit";

/**
 * "Where these values come from": for each stored setting of a provider, the
 * value in force, whether it was copied from the environment or last changed
 * here (who, when), and a warning where the environment now says otherwise.
 */

function sourceText(s: SettingSource): string {
  if (s.kind === "admin") return `changed here by ${s.by}, ${fmtDate(s.at)}`;
  if (s.kind === "environment") return s.at ? `environment, copied at start ${fmtDate(s.at)}` : "environment, copied at first start";
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
        <div className="-mx-3 mt-3 overflow-x-auto sm:mx-0">
          <table className="min-w-full text-left text-sm">
            <caption className="sr-only">{name} settings: value in force, where it came from, and the environment</caption>
            <thead className="bg-slate-50 text-xs uppercase text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Setting
                </th>
                <th scope="col" className="px-3 py-2">
                  In force
                </th>
                <th scope="col" className="px-3 py-2">
                  From
                </th>
                <th scope="col" className="px-3 py-2">
                  Environment now
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {data.rows.map((r) => (
                <tr key={r.field} className="align-top" data-testid={`provenance-${data.provider}-${r.field}`}>
                  <td className="px-3 py-2">
                    {r.label}
                    <span className="block font-mono text-xs text-slate-500">{r.envName}</span>
                  </td>
                  <td className="break-all px-3 py-2 font-mono text-xs">{r.secret ? "•••• (set)" : r.inForce}</td>
                  <td className="px-3 py-2">{sourceText(r.source)}</td>
                  <td className={`break-all px-3 py-2 ${r.envDiffers ? "font-medium text-amber-900" : "text-slate-600"}`}>
                    {r.envDiffers
                      ? r.secret
                        ? "differs (not shown)"
                        : `differs: ${r.envValue}`
                      : r.envValue !== null || r.secret
                        ? "same"
                        : "not set"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </div>
  );
}
