import type { Role } from "@/lib/staff/session";
import { attemptSummary, type SummaryAttempt, type SummaryEvent } from "@/lib/support/summary";
import { explain } from "@/lib/support/explanations";
import { applicationNames } from "@/lib/records";
import { CopySummaryButton } from "./CopySummaryButton";

/**
 * The "Copy summary" block for an attempt page (server component): builds the
 * summary for the viewer's role and hands only that text to the browser.
 *
 *   <CopySummary attempt={attempt} role={staff.role} />
 *
 * `attempt` is what lib/records' findAttemptByReference returns (or
 * any object with those fields and `events`); only whitelisted fields are read.
 */
export async function CopySummary({ attempt, role }: { attempt: SummaryAttempt & { events: readonly SummaryEvent[] }; role: Role }) {
  const applicationName =
    attempt.applicationName ?? (attempt.auth0ClientId ? ((await applicationNames()).get(attempt.auth0ClientId) ?? null) : null);
  const summary = attemptSummary({ ...attempt, applicationName }, attempt.events, explain(attempt.failureCode), role);
  return <CopySummaryButton reference={attempt.referenceCode} summary={summary} />;
}
