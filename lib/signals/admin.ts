"use server";

import { randomBytes } from "node:crypto";
import { changes } from "../audit";
import { env } from "../env";
import { ActionFailure, sameGuard, staffFormAction, type FormState } from "../staff/guard";
import { StreamError, createStream, deleteStream, discoverTransmitter, replaceStream, requestVerification, sha256Hex } from "./stream";
import { openStreamToken, sealStreamToken } from "./token";
import { connectSchema, transmitterSchema, verifySchema, type TransmitterInput } from "./transmitter-schema";

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
    return { id, created: !before, changed: Object.keys(diff) };
  },
);

// ---------------------------------------------------------------------------
// Streams (SSF 1.0 §8.1): "Connect stream" and "Verify stream" on the Signals page.

export interface StreamConnected {
  streamId: string;
  /** The stream the portal had was replaced in place (same id), not made afresh. */
  inPlace: boolean;
  eventsDelivered: string[];
  audienceChanged: boolean;
  verification: "requested" | "not_offered" | "failed";
}

interface Verification {
  verificationEndpoint: string | null;
  token: string;
  streamId: string;
  state: string;
}

async function askVerification(v: Verification): Promise<StreamConnected["verification"]> {
  if (!v.verificationEndpoint) return "not_offered";
  try {
    await requestVerification({ verificationEndpoint: v.verificationEndpoint, token: v.token, streamId: v.streamId, state: v.state });
    return "requested";
  } catch {
    return "failed";
  }
}

/**
 * Creates this portal's push stream at the transmitter (replacing one it made before), and
 * stores the stream with its audit entry. The calls to the transmitter happen before the
 * row is written; the verification request only after the transaction commits (the
 * transmitter answers it at once, and the receiver must find the state).
 */
const connectAction = staffFormAction(
  "signal.stream_connect",
  "admin",
  connectSchema,
  async (_staff, input, { tx, audit }): Promise<StreamConnected & { pending: Verification }> => {
    const t = await tx.signalTransmitter.findUnique({ where: { id: input.id } });
    if (!t) throw new ActionFailure("not_found", "There is no transmitter with that id.");
    const fail = (err: unknown): never => {
      if (err instanceof StreamError)
        throw new ActionFailure("invalid", err.message, err.field === "token" ? { token: [err.message] } : undefined);
      throw err;
    };
    const config = await discoverTransmitter(t.issuer).catch(fail);
    const configuration = {
      configurationEndpoint: config.configuration_endpoint,
      token: input.token,
      endpointUrl: `${env().PORTAL_URL.replace(/\/+$/, "")}/api/ssf/events`,
      authorizationHeader: `Bearer ${randomBytes(32).toString("base64url")}`,
    };
    // Connecting again replaces the stream in place (SSF §8.1.1.4): no moment without a stream, in
    // which the transmitter would drop revocations, and its status stays the transmitter's. Only a
    // transmitter that lost the stream or cannot replace one gets it deleted and made afresh.
    const same = t.streamId && t.configurationUrl === config.configuration_endpoint ? t.streamId : null;
    const replaced = same ? await replaceStream({ ...configuration, streamId: same }).catch(fail) : null;
    if (!replaced && t.streamId && t.configurationUrl) {
      await deleteStream({ configurationEndpoint: t.configurationUrl, token: input.token, streamId: t.streamId }).catch(fail);
    }
    const stream = replaced ?? (await createStream(configuration).catch(fail));
    const authorizationHeader = configuration.authorizationHeader;
    const aud = typeof stream.aud === "string" ? stream.aud : stream.aud?.length === 1 ? stream.aud[0]! : null;
    const state = randomBytes(16).toString("base64url");
    const now = new Date();
    await tx.signalTransmitter.update({
      where: { id: t.id },
      data: {
        configurationUrl: config.configuration_endpoint,
        streamId: stream.stream_id,
        // A new stream starts enabled; a replaced one keeps the status the transmitter gave it.
        ...(replaced ? {} : { streamStatus: "enabled" }),
        eventsDelivered: stream.events_delivered ?? [],
        managementTokenEnc: sealStreamToken(t.id, input.token),
        pushAuthorizationSha256: sha256Hex(authorizationHeader),
        verificationState: state,
        verificationAskedAt: now,
        verifiedAt: null,
        // The transmitter decides the audience of its events: its SETs are checked against it.
        ...(aud && aud !== t.audience ? { audience: aud } : {}),
      },
    });
    await audit("signal.stream_update", {
      target: `transmitter:${t.id}`,
      details: {
        stream: stream.stream_id,
        replaced: t.streamId ?? null,
        inPlace: Boolean(replaced),
        eventsDelivered: stream.events_delivered ?? [],
        ...(aud && aud !== t.audience ? { audience: { from: t.audience, to: aud } } : {}),
        verification: config.verification_endpoint ? "requested" : "not_offered",
      },
    });
    return {
      streamId: stream.stream_id,
      inPlace: Boolean(replaced),
      eventsDelivered: stream.events_delivered ?? [],
      audienceChanged: Boolean(aud && aud !== t.audience),
      verification: "requested",
      pending: { verificationEndpoint: config.verification_endpoint ?? null, token: input.token, streamId: stream.stream_id, state },
    };
  },
);

export const connectStream = sameGuard(async (prev: FormState<StreamConnected>, form: FormData): Promise<FormState<StreamConnected>> => {
  const state = await connectAction(prev as never, form);
  if (!state?.ok) return state as FormState<StreamConnected>;
  const { pending, ...data } = state.data;
  return { ...state, data: { ...data, verification: await askVerification(pending) } };
}, connectAction);

/** Asks the transmitter for a verification event again (state stored and audited first, then the request). */
const verifyAction = staffFormAction("signal.stream_verify", "admin", verifySchema, async (_staff, input, { tx, audit }) => {
  const t = await tx.signalTransmitter.findUnique({ where: { id: input.id } });
  if (!t?.streamId || !t.managementTokenEnc) throw new ActionFailure("conflict", "Connect the stream first.");
  const config = await discoverTransmitter(t.issuer).catch((err: unknown) => {
    throw err instanceof StreamError ? new ActionFailure("invalid", err.message) : err;
  });
  const state = randomBytes(16).toString("base64url");
  await tx.signalTransmitter.update({ where: { id: t.id }, data: { verificationState: state, verificationAskedAt: new Date() } });
  await audit("signal.stream_update", { target: `transmitter:${t.id}`, details: { stream: t.streamId, verification: "requested" } });
  return {
    pending: {
      verificationEndpoint: config.verification_endpoint ?? null,
      token: openStreamToken(t.id, t.managementTokenEnc),
      streamId: t.streamId,
      state,
    } as Verification,
  };
});

export const verifyStream = sameGuard(async (prev: FormState<{ verification: StreamConnected["verification"] }>, form: FormData) => {
  const state = await verifyAction(prev as never, form);
  if (!state?.ok) return state as FormState<{ verification: StreamConnected["verification"] }>;
  return { ...state, data: { verification: await askVerification(state.data.pending) } };
}, verifyAction);
