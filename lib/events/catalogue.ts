/**
 * The events the portal sends to webhook endpoints (README "Webhooks out"). No server
 * imports: the admin pages' forms (in the browser) read it too.
 */

export const EVENT_TYPES = [
  "verification.succeeded",
  "verification.failed",
  "verification.revoked",
  "verification.expired",
  "verification.erased",
  "attempt.failed",
] as const;

export type EventType = (typeof EVENT_TYPES)[number];

/** The event "send a test event" sends: to the one endpoint asked, whatever types it wants. */
export const TEST_EVENT = "webhook.test";

export const EVENT_LABELS: Record<EventType | typeof TEST_EVENT, string> = {
  "verification.succeeded": "Verification succeeded: the provider verified the person for a policy",
  "verification.failed": "Verification failed: the provider answered, and did not verify the person",
  "verification.revoked": "Verification revoked: by staff, or by a provider's Shared Signals event",
  "verification.expired": "Verification expired: a verified check passed its expiry",
  "verification.erased": "Person erased: an admin erased everything the portal held about the person",
  "attempt.failed": "Attempt failed: a known user's attempt ended without a verification (failure code and reference)",
  "webhook.test": "Test event (sent from the admin page)",
};

export const isEventType = (v: string): v is EventType => (EVENT_TYPES as readonly string[]).includes(v);
