/** How an event written asks the job runner (lib/jobs) for a delivery run soon. */

type Kicker = (delaySeconds: number) => void;
const kickHolder: { kicker?: Kicker } = ((globalThis as { __idvWebhookKick?: { kicker?: Kicker } }).__idvWebhookKick ??= {});

export function setDeliveryKicker(kicker: Kicker | undefined): void {
  kickHolder.kicker = kicker;
}

/**
 * Asks the job runner for a delivery run in `delaySeconds` (best effort: called inside the
 * change's transaction, so the run waits a moment for the commit; the runner's minute
 * schedule picks up anything a kick missed).
 */
export function kickDelivery(delaySeconds = 2): void {
  try {
    kickHolder.kicker?.(delaySeconds);
  } catch {
    // the schedule delivers it
  }
}
