import { kick, outboxState } from "../outbox/kick";

/** How an event written asks the job runner (lib/jobs) for a delivery run soon. */

/** The key of the deliveries' outbox state in this process (lib/outbox/kick.ts; the job runner sets its kicker). */
export const WEBHOOK_OUTBOX = "__idvWebhookOutbox";

/**
 * Asks the job runner for a delivery run in `delaySeconds` (best effort: called inside the
 * change's transaction, so the run waits a moment for the commit; the runner's minute
 * schedule picks up anything a kick missed).
 */
export function kickDelivery(delaySeconds = 2): void {
  kick(outboxState(WEBHOOK_OUTBOX), [delaySeconds * 1000]);
}
