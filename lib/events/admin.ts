"use server";

import { changes } from "../audit";
import { env } from "../env";
import { ActionFailure, staffFormAction } from "../staff/guard";
import { TEST_EVENT } from "./catalogue";
import { productionDelivery } from "./deliver";
import { writeEvent } from "./emit";
import { endpointRefSchema, endpointSchema, redeliverSchema, rotateSchema, type EndpointInput } from "./endpoint-schema";
import { kickDelivery } from "./kick";
import { sealEndpointSecret, openEndpointSecret } from "./secrets";
import { newSecret } from "./signature";
import { privateDestinationsRefused, urlProblem } from "./url";

/**
 * The webhook pages' changes (admins only), each with its audit entry in one transaction.
 * A signing secret is made here, sealed, and returned once in the action's answer: it is
 * never shown again, nor written to the audit log.
 */

export interface EndpointSaved {
  id: string;
  created: boolean;
  changed: string[];
  /** Only when the endpoint was just created: shown once. */
  secret?: string;
}

export const saveEndpoint = staffFormAction(
  "webhook.endpoint_save",
  "admin",
  endpointSchema,
  async (_staff, input: EndpointInput, { tx, audit }): Promise<EndpointSaved> => {
    const problem = urlProblem(input.url, productionDelivery(), { refusePrivate: privateDestinationsRefused(env()) });
    if (problem) throw new ActionFailure("invalid", "Some fields need attention.", { url: [problem] });
    if (input.clientId && !(await tx.application.findUnique({ where: { clientId: input.clientId }, select: { clientId: true } })))
      throw new ActionFailure("invalid", "Some fields need attention.", { clientId: ["Choose an application from the list."] });
    const before = await tx.webhookEndpoint.findUnique({ where: { id: input.id } });
    if (input.isNew && before) throw new ActionFailure("invalid", "Some fields need attention.", { id: ["Another endpoint has this id."] });
    if (!input.isNew && !before) throw new ActionFailure("not_found", "There is no endpoint with that id.");
    const data = {
      name: input.name,
      url: input.url,
      clientId: input.clientId,
      eventTypes: [...input.eventTypes].sort(),
      includeAttributes: input.includeAttributes,
      enabled: input.enabled,
    };
    const pick = (e: typeof before) =>
      e
        ? {
            name: e.name,
            url: e.url,
            clientId: e.clientId,
            eventTypes: [...e.eventTypes].sort(),
            includeAttributes: e.includeAttributes,
            enabled: e.enabled,
          }
        : {};
    const diff = changes(pick(before), data);
    if (!before) {
      const secret = newSecret();
      await tx.webhookEndpoint.create({ data: { id: input.id, ...data, secretEnc: sealEndpointSecret(input.id, "secret", secret) } });
      await audit("webhook.endpoint_update", { target: `webhook:${input.id}`, details: { created: true, ...diff, secret: "created" } });
      return { id: input.id, created: true, changed: Object.keys(diff), secret };
    }
    if (Object.keys(diff).length) {
      await tx.webhookEndpoint.update({ where: { id: input.id }, data });
      await audit("webhook.endpoint_update", { target: `webhook:${input.id}`, details: { created: false, ...diff } });
    }
    return { id: input.id, created: false, changed: Object.keys(diff) };
  },
);

export interface SecretRotated {
  id: string;
  secret: string;
  previousUntil: string | null;
}

/** A new secret (shown once); the old one keeps signing too for `keepHours`, so receivers can switch without refusing events. */
export const rotateSecret = staffFormAction(
  "webhook.secret_rotate",
  "admin",
  rotateSchema,
  async (_staff, input, { tx, audit }): Promise<SecretRotated> => {
    const [row] = await tx.$queryRaw<{ secret_enc: string }[]>`SELECT secret_enc FROM webhook_endpoint WHERE id = ${input.id} FOR UPDATE`;
    if (!row) throw new ActionFailure("not_found", "There is no endpoint with that id.");
    const old = openEndpointSecret(input.id, "secret", row.secret_enc);
    const secret = newSecret();
    const until = input.keepHours > 0 ? new Date(Date.now() + input.keepHours * 3_600_000) : null;
    await tx.webhookEndpoint.update({
      where: { id: input.id },
      data: {
        secretEnc: sealEndpointSecret(input.id, "secret", secret),
        previousSecretEnc: until ? sealEndpointSecret(input.id, "previous_secret", old) : null,
        previousSecretUntil: until,
      },
    });
    await audit("webhook.secret_rotate", {
      target: `webhook:${input.id}`,
      details: { secret: "replaced", previousKeptHours: input.keepHours },
    });
    return { id: input.id, secret, previousUntil: until?.toISOString() ?? null };
  },
);

/** A `webhook.test` event to this endpoint alone (whatever events it wants, even when off: the log says it was refused). */
export const sendTestEvent = staffFormAction("webhook.test", "admin", endpointRefSchema, async (staff, input, { tx, audit }) => {
  const endpoint = await tx.webhookEndpoint.findUnique({ where: { id: input.id }, select: { id: true, clientId: true } });
  if (!endpoint) throw new ActionFailure("not_found", "There is no endpoint with that id.");
  const eventId = await writeEvent(
    tx,
    TEST_EVENT,
    { application: endpoint.clientId, auth0_user_id: null, provider: null, policy: null, source: "admin" },
    { endpointId: endpoint.id },
  );
  await audit("webhook.test", { target: `webhook:${endpoint.id}`, details: { event: eventId, by: staff.id } });
  return { eventId };
});

/** Sends a delivery again: pending now, with a fresh count of tries (and three more days of retries). */
export const redeliver = staffFormAction("webhook.redeliver", "admin", redeliverSchema, async (_staff, input, { tx, audit }) => {
  const id = BigInt(input.deliveryId);
  const d = await tx.webhookDelivery.findUnique({ where: { id }, select: { id: true, eventId: true, endpointId: true } });
  if (!d) throw new ActionFailure("not_found", "There is no delivery with that id.");
  await tx.webhookDelivery.update({ where: { id }, data: { state: "pending", attempts: 0, nextAttemptAt: new Date() } });
  await audit("webhook.redeliver", { target: `webhook:${d.endpointId}`, details: { delivery: String(d.id), event: d.eventId } });
  kickDelivery();
  return { deliveryId: String(d.id), eventId: d.eventId };
});
