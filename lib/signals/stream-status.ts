import { log } from "../log";
import { StreamError, discoverTransmitter, endpoint, fetchStreamStatus, type StreamStatus } from "./stream";
import { openStreamToken } from "./token";

/**
 * A stream's status as its transmitter reports it, read when the Signals page is viewed
 * (SSF 1.0 §8.1.2.1: the status_endpoint of /.well-known/ssf-configuration). The transmitter
 * decides it (it may pause or disable a stream on its own); the portal stores no copy to go
 * stale. Never throws: a transmitter that cannot be asked gives a message an admin can act
 * on, which names no token.
 */
export type ReportedStreamStatus =
  | { kind: "reported"; status: StreamStatus["status"]; reason?: string }
  | { kind: "not_offered" }
  | { kind: "unavailable"; message: string };

export interface StreamOfTransmitter {
  id: string;
  issuer: string;
  streamId: string | null;
  managementTokenEnc: string | null;
}

/** Null when the portal has no stream there (nothing to ask). */
export async function reportedStreamStatus(t: StreamOfTransmitter): Promise<ReportedStreamStatus | null> {
  if (!t.streamId || !t.managementTokenEnc) return null;
  try {
    const config = await discoverTransmitter(t.issuer);
    if (!config.status_endpoint) return { kind: "not_offered" };
    const statusEndpoint = endpoint(config.status_endpoint, "status_endpoint");
    let token: string;
    try {
      token = openStreamToken(t.id, t.managementTokenEnc);
    } catch {
      return { kind: "unavailable", message: "The stream's token cannot be opened with the current keys. Connect the stream again." };
    }
    const { status, reason } = await fetchStreamStatus({ statusEndpoint, token, streamId: t.streamId });
    return { kind: "reported", status, ...(reason ? { reason } : {}) };
  } catch (err) {
    if (err instanceof StreamError) return { kind: "unavailable", message: err.message };
    log("error", "ssf stream status failed", { error: err instanceof Error ? err.name : "error" });
    return { kind: "unavailable", message: "The stream's status could not be read." };
  }
}
