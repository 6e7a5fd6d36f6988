import { z } from "zod";
import { getDb } from "../db/client";
import { EVENT_TYPES, TEST_EVENT } from "./catalogue";

/** What the webhook pages read: endpoints (never their secrets) and the delivery log. */

export async function listEndpoints() {
  const db = await getDb();
  return db.webhookEndpoint.findMany({
    orderBy: { createdAt: "asc" },
    select: {
      id: true,
      name: true,
      url: true,
      clientId: true,
      eventTypes: true,
      includeAttributes: true,
      enabled: true,
      previousSecretUntil: true,
      createdAt: true,
      updatedAt: true,
    },
  });
}

export const OUTCOMES = ["delivered", "http_error", "timeout", "network_error", "refused"] as const;

/** The log's filters, from the query string (anything else is ignored, never an error page). */
export const logFilterSchema = z.object({
  endpoint: z
    .string()
    .trim()
    .regex(/^[a-z0-9][a-z0-9-]{1,39}$/)
    .optional()
    .catch(undefined),
  outcome: z.enum(OUTCOMES).optional().catch(undefined),
  type: z
    .enum([...EVENT_TYPES, TEST_EVENT])
    .optional()
    .catch(undefined),
  event: z
    .string()
    .trim()
    .regex(/^evt_[A-Za-z0-9_-]{10,40}$/)
    .optional()
    .catch(undefined),
});

export type LogFilter = z.output<typeof logFilterSchema>;

/** The newest tries (at most `limit`), with their delivery's state and event. */
export async function deliveryLog(f: LogFilter, limit = 100) {
  const db = await getDb();
  return db.webhookDeliveryAttempt.findMany({
    where: {
      ...(f.outcome ? { outcome: f.outcome } : {}),
      delivery: {
        ...(f.endpoint ? { endpointId: f.endpoint } : {}),
        ...(f.event ? { eventId: f.event } : {}),
        ...(f.type ? { event: { type: f.type } } : {}),
      },
    },
    orderBy: [{ at: "desc" }, { id: "desc" }],
    take: limit,
    select: {
      id: true,
      at: true,
      outcome: true,
      responseCode: true,
      durationMs: true,
      error: true,
      responseBody: true,
      nextRetryAt: true,
      trigger: true,
      delivery: {
        select: {
          id: true,
          state: true,
          attempts: true,
          endpoint: { select: { id: true, name: true } },
          event: { select: { id: true, type: true, createdAt: true } },
        },
      },
    },
  });
}

/** Deliveries still waiting for their first try (a moment after the change, or while the runner is down). */
export async function waitingDeliveries(limit = 20) {
  const db = await getDb();
  return db.webhookDelivery.findMany({
    where: { state: "pending", attempts: 0 },
    orderBy: { createdAt: "desc" },
    take: limit,
    select: {
      id: true,
      createdAt: true,
      nextAttemptAt: true,
      endpoint: { select: { id: true, name: true } },
      event: { select: { id: true, type: true } },
    },
  });
}
