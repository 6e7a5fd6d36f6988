"use server";

import { changes } from "../audit";
import { ActionFailure, staffFormAction } from "../staff/guard";
import { forgetTransmitterKeys } from "./receiver";
import { transmitterSchema, type TransmitterInput } from "./transmitter-schema";

/**
 * An admin adds or changes a Shared Signals transmitter: saved with its audit entry
 * (the fields that changed) in one transaction. Two transmitters cannot share an issuer.
 */
export const saveTransmitter = staffFormAction(
  "signal.transmitter_save",
  "admin",
  transmitterSchema,
  async (_staff, input: TransmitterInput, { tx, audit }) => {
    const clash = await tx.signalTransmitter.findUnique({ where: { issuer: input.issuer }, select: { id: true } });
    if (clash && clash.id !== input.id)
      throw new ActionFailure("invalid", "Some fields need attention.", { issuer: ["Another transmitter has this issuer."] });
    const before = await tx.signalTransmitter.findUnique({ where: { id: input.id } });
    const { id, ...data } = input;
    const pick = (t: typeof before) =>
      t ? { name: t.name, issuer: t.issuer, jwksUrl: t.jwksUrl, audience: t.audience, provider: t.provider, enabled: t.enabled } : {};
    const diff = changes(pick(before), { ...data });
    if (Object.keys(diff).length) {
      await tx.signalTransmitter.upsert({ where: { id }, create: { id, ...data }, update: data });
      await audit("signal.transmitter_update", { target: `transmitter:${id}`, details: { created: !before, ...diff } });
    }
    forgetTransmitterKeys();
    return { id, created: !before, changed: Object.keys(diff) };
  },
);
