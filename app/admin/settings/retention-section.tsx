import { retentionSettings } from "@/lib/settings/retention";
import { CATEGORIES, CATEGORY_LABELS, lastPurgeRun } from "@/lib/lifecycle/purge";
import { Card } from "../_ui/kit";
import { Time } from "../_ui/time";
import { RetentionForm } from "./retention-form";

/** The settings page's retention card: the periods in force, the form, and what the last purge run did. */
export async function RetentionSection() {
  const [{ updatedAt, ...retention }, last] = await Promise.all([retentionSettings(), lastPurgeRun()]);
  return (
    <Card title="Retention">
      <p className="mb-6 text-sm text-slate-600">
        How long the portal keeps personal data, attempts and the audit log. Last changed <Time value={updatedAt} />.{" "}
        <span data-testid="last-purge">
          {last ? (
            <>
              Last purge <Time value={last.at} /> ({last.outcome === "ok" ? "done" : "failed"}):{" "}
              {CATEGORIES.map((c) => `${last.counts[c] ?? 0} ${CATEGORY_LABELS[c]}`).join(", ")}.
            </>
          ) : (
            "No purge has run yet."
          )}
        </span>
      </p>
      <RetentionForm initial={retention} />
    </Card>
  );
}
