import { performance } from "node:perf_hooks";
import { getDb, transaction } from "../db/client";
import type { WebhookEndpoint } from "../db/generated/client";
import { backoffDelay, defineOutbox, type TryOptions, type Verdict } from "../outbox";
import { openJson } from "../crypto/seal";
import { env } from "../env";
import { log } from "../log";
import { aad } from "../records";
import { keyRing } from "../settings/secrets";
import { emitRecordEvent, type Envelope } from "./emit";
import { TEST_EVENT } from "./catalogue";
import { openEndpointSecret } from "./secrets";
import { SIGNATURE_HEADER, signatureHeader } from "./signature";
import { PrivateDestinationError, assertPublicDestination, privateDestinationsRefused, urlProblem } from "./url";
import { kickDelivery, WEBHOOK_OUTBOX } from "./kick";

/**
 * Delivery of the outbox (lib/events/emit.ts), run by the job runner (lib/jobs) through the
 * outbox runner (lib/outbox: the claim with its lease, the back-off, giving up): due
 * deliveries are POSTed with their signature, and each try is a row of the delivery log. A
 * failure is tried again after an exponential back-off (30 s, ×4 each time, at most 12 h, ±10%)
 * for about three days (MAX_ATTEMPTS tries), then the delivery is given up (an admin can
 * redeliver); a refusal (the endpoint off, its URL not allowed) is given up at once.
 */

export const TIMEOUT_MS = 10_000;
const LEASE_MS = 120_000;
export const MAX_ATTEMPTS = 12;
const BACKOFF = { firstMs: 30_000, factor: 4, maxMs: 12 * 3_600_000, jitter: 0.1 };
/** Response bodies are kept this long, at most (what a receiver said, for the log). */
const BODY_LIMIT = 500;
/** Delivery log and events are kept this many days. */
export const LOG_DAYS = 30;
/** An expiry older than this when first seen (e.g. at upgrade) is not told. */
const EXPIRY_LOOKBACK_DAYS = 7;

/** The wait after the `tries`-th failed try (1-based), with ±10% jitter so retries spread. */
export function retryDelayMs(tries: number, random: () => number = Math.random): number {
  return backoffDelay(BACKOFF, tries, random);
}

/** Production: https endpoints only (lib/events/url.ts). */
export function productionDelivery(): boolean {
  const e = env();
  return e.NODE_ENV === "production" && e.PORTAL_URL.startsWith("https://");
}

// ── one try ──

export interface DeliverOptions {
  now?: Date;
  limit?: number;
  timeoutMs?: number;
}

export interface TryResult {
  deliveryId: bigint;
  outcome: "delivered" | "http_error" | "timeout" | "network_error" | "refused";
  responseCode: number | null;
  given_up: boolean;
}

async function readSome(res: Response): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_LIMIT * 4) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString("utf8").slice(0, BODY_LIMIT);
}

function networkError(err: unknown): { outcome: "timeout" | "network_error"; error: string } {
  const e = err as Error & { cause?: { code?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") return { outcome: "timeout", error: "no answer in time" };
  return { outcome: "network_error", error: e?.cause?.code ?? e?.name ?? "network error" };
}

/** The body sent: the stored envelope, plus the record's attributes for an endpoint that asked. */
/** The data's fields in one documented order (jsonb keeps its own), then any other. */
const DATA_ORDER = [
  "application",
  "auth0_user_id",
  "person_id",
  "provider",
  "policy",
  "policy_key",
  "group",
  "record_id",
  "status",
  "checked_at",
  "expires_at",
  "reference",
  "failure_code",
  "source",
];

function ordered(envelope: Envelope, extra: Record<string, unknown> = {}): string {
  const data = envelope.data as unknown as Record<string, unknown>;
  const keys = [...DATA_ORDER.filter((k) => k in data), ...Object.keys(data).filter((k) => !DATA_ORDER.includes(k))];
  return JSON.stringify({
    id: envelope.id,
    type: envelope.type,
    created: envelope.created,
    data: { ...Object.fromEntries(keys.map((k) => [k, data[k]])), ...extra },
  });
}

async function bodyFor(envelope: Envelope, recordId: string | null, includeAttributes: boolean): Promise<string> {
  if (!includeAttributes || envelope.type !== "verification.succeeded" || !recordId) return ordered(envelope);
  const db = await getDb();
  const r = await db.verificationRecord.findUnique({ where: { id: recordId }, select: { attributesEnc: true } });
  let attributes: unknown = null;
  try {
    attributes = r?.attributesEnc ? openJson(r.attributesEnc, keyRing(), aad(recordId, "attributes")) : null;
  } catch {
    attributes = null;
  }
  return ordered(envelope, { attributes });
}

interface Claimed {
  id: bigint;
  envelope: Envelope;
  recordId: string | null;
  endpoint: WebhookEndpoint;
}

interface Sent {
  verdict: Verdict;
  at: Date;
  outcome: TryResult["outcome"];
  responseCode: number | null;
  error: string | null;
  responseBody: string | null;
  durationMs: number;
}

/** One POST of a claimed delivery; a refusal (the endpoint off or its URL not allowed) is never tried again. */
async function post(d: Claimed, opts: TryOptions): Promise<Sent> {
  const at = opts.now();
  let outcome: TryResult["outcome"];
  let responseCode: number | null = null;
  let error: string | null = null;
  let responseBody: string | null = null;
  const started = performance.now();
  const refusePrivate = privateDestinationsRefused(env());
  let problem = !d.endpoint.enabled ? "the endpoint is off" : urlProblem(d.endpoint.url, productionDelivery(), { refusePrivate });
  // The name as it resolves now (DNS rebinding: it may have pointed elsewhere when the URL was saved).
  if (!problem && refusePrivate)
    problem = await assertPublicDestination(d.endpoint.url).then(
      () => null,
      (err: unknown) => (err instanceof PrivateDestinationError ? err.message : null),
    );
  if (problem) {
    outcome = "refused";
    error = problem;
  } else {
    try {
      const secrets = [openEndpointSecret(d.endpoint.id, "secret", d.endpoint.secretEnc)];
      if (d.endpoint.previousSecretEnc && d.endpoint.previousSecretUntil && d.endpoint.previousSecretUntil > new Date())
        secrets.push(openEndpointSecret(d.endpoint.id, "previous_secret", d.endpoint.previousSecretEnc));
      const body = await bodyFor(d.envelope, d.recordId, d.endpoint.includeAttributes);
      const t = Math.floor(Date.now() / 1000);
      const res = await fetch(d.endpoint.url, {
        method: "POST",
        redirect: "manual",
        signal: AbortSignal.timeout(opts.timeoutMs ?? TIMEOUT_MS),
        headers: {
          "content-type": "application/json",
          "user-agent": "idv-portal-webhooks/1",
          "idv-event-id": d.envelope.id,
          "idv-event-type": d.envelope.type,
          [SIGNATURE_HEADER]: signatureHeader(secrets, body, t),
        },
        body,
      });
      responseCode = res.status;
      responseBody = (await readSome(res).catch(() => "")) || null;
      outcome = res.status >= 200 && res.status < 300 ? "delivered" : "http_error";
      if (outcome !== "delivered")
        error = res.status >= 300 && res.status < 400 ? `redirect (HTTP ${res.status}) not followed` : `HTTP ${res.status}`;
    } catch (err) {
      ({ outcome, error } = networkError(err));
    }
  }
  const verdict = outcome === "delivered" ? "sent" : outcome === "refused" ? "give_up" : "retry";
  return { verdict, at, outcome, responseCode, error, responseBody, durationMs: Math.round(performance.now() - started) };
}

/** The outbox of deliveries (lib/outbox): each try is a row of the delivery log. */
export const deliveryOutbox = defineOutbox<Claimed, Sent, TryResult>({
  table: { name: "webhook_delivery", state: "state", done: "delivered", doneAt: "delivered_at", settledNext: "null", updatedAt: true },
  leaseMs: LEASE_MS,
  maxAttempts: MAX_ATTEMPTS,
  backoff: (tries) => retryDelayMs(tries),
  stateKey: WEBHOOK_OUTBOX,
  sender: {
    async load(id) {
      const db = await getDb();
      const d = await db.webhookDelivery.findUnique({ where: { id }, include: { event: true, endpoint: true } });
      if (!d || d.state !== "pending") return null;
      return { id, envelope: d.event.payload as unknown as Envelope, recordId: d.event.recordId, endpoint: d.endpoint };
    },
    send: post,
    async record(tx, d, t, s) {
      const earlier = s.tries === 1 ? await tx.webhookDeliveryAttempt.count({ where: { deliveryId: d.id } }) : 0;
      const trigger = d.envelope.type === TEST_EVENT ? "test" : earlier > 0 ? "redeliver" : null;
      const { outcome, responseCode, durationMs, error, responseBody } = t;
      await tx.webhookDeliveryAttempt.create({
        data: { deliveryId: d.id, at: t.at, outcome, responseCode, durationMs, error, responseBody, nextRetryAt: s.next, trigger },
      });
    },
    report(d, t, s) {
      log(s.outcome === "done" ? "info" : "warn", "webhook delivery", {
        step: "webhook.delivery",
        outcome: t.outcome,
        code: d.envelope.type,
        status: t.responseCode ?? undefined,
      });
      return { deliveryId: d.id, outcome: t.outcome, responseCode: t.responseCode, given_up: s.outcome === "failed" };
    },
  },
});

/** Sends one claimed delivery (its `tries` counts this one) and logs the try, in one transaction with the delivery's new state. */
export async function tryDelivery(deliveryId: bigint, tries: number, opts: DeliverOptions = {}): Promise<TryResult | null> {
  const now = opts.now ?? new Date();
  return deliveryOutbox.tryOne(deliveryId, tries, { now: () => now, timeoutMs: opts.timeoutMs });
}

/** Claims the due deliveries (at most `limit`) and tries each; returns what happened. */
export async function deliverDue(opts: DeliverOptions = {}): Promise<TryResult[]> {
  const now = opts.now ?? new Date();
  return deliveryOutbox.drain({ now: () => now, batch: opts.limit ?? 20, timeoutMs: opts.timeoutMs });
}

// ── the schedule's sweep ──

/**
 * Tells each verification's expiry once: marks the verified records whose expiry passed
 * (and was not told yet) and writes their events, in one transaction per batch. Two
 * instances sweeping at once: the mark's primary key lets one of them have each expiry.
 */
export async function emitExpired(now = new Date()): Promise<number> {
  let total = 0;
  for (;;) {
    const n = await transaction(async (tx) => {
      const marked = await tx.$queryRaw<{ record_id: string }[]>`
        INSERT INTO webhook_expiry_mark (record_id, expires_at)
        SELECT r.id, r.expires_at FROM verification_record r JOIN person p ON p.id = r.person_id
        WHERE r.status = 'verified' AND r.expires_at <= ${now}
          AND r.expires_at > ${new Date(now.getTime() - EXPIRY_LOOKBACK_DAYS * 86_400_000)}
          AND p.erased_at IS NULL
          AND NOT EXISTS (SELECT 1 FROM webhook_expiry_mark m WHERE m.record_id = r.id AND m.expires_at = r.expires_at)
        ORDER BY r.expires_at LIMIT 200
        ON CONFLICT DO NOTHING RETURNING record_id`;
      for (const m of marked) await emitRecordEvent(tx, "verification.expired", m.record_id, { source: "schedule", now });
      return marked.length;
    });
    total += n;
    if (n < 200) return total;
  }
}

/**
 * Housekeeping: an erasure's event keeps the erased Auth0 user id only while a delivery of it
 * is pending (then the stored copy names the tombstone); events and their log go after LOG_DAYS.
 */
export async function tidyOutbox(now = new Date()): Promise<void> {
  const db = await getDb();
  await db.$executeRaw`
    UPDATE webhook_event e SET payload = jsonb_set(e.payload, '{data,auth0_user_id}', to_jsonb('erased:' || (e.payload #>> '{data,person_id}')))
    WHERE e.type = 'verification.erased' AND e.payload #>> '{data,auth0_user_id}' NOT LIKE 'erased:%'
      AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = e.id AND d.state = 'pending')`;
  await db.$executeRaw`
    DELETE FROM webhook_event e WHERE e.created_at < ${new Date(now.getTime() - LOG_DAYS * 86_400_000)}
      AND NOT EXISTS (SELECT 1 FROM webhook_delivery d WHERE d.event_id = e.id AND d.state = 'pending')`;
}

/** One run of the job: expiries, due deliveries until none is left, tidying; then a kick for the next retry due within a minute. */
export async function runDeliveries(): Promise<{ expired: number; tried: number }> {
  const expired = await emitExpired();
  const tried = (await deliveryOutbox.drain({ batch: 20, rounds: 25 })).length;
  await tidyOutbox();
  const next = await deliveryOutbox.nextDue();
  const wait = next ? next.getTime() - Date.now() : Infinity;
  if (wait < 60_000) kickDelivery(Math.max(1, Math.ceil(wait / 1000)));
  return { expired, tried };
}
