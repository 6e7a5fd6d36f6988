import { getDb } from "../db/client";

/** The Shared Signals transmitters admins trust, and the events they sent (the Signals page); saved by admin.ts. */

export async function listTransmitters() {
  const db = await getDb();
  return db.signalTransmitter.findMany({ orderBy: { createdAt: "asc" } });
}

/** The latest events received, newest first (what support looks at when a revocation surprises someone). */
export async function recentSignalEvents(limit = 50) {
  const db = await getDb();
  return db.signalEvent.findMany({
    orderBy: { id: "desc" },
    take: Math.min(limit, 200),
    select: {
      id: true,
      jti: true,
      issuedAt: true,
      receivedAt: true,
      eventTypes: true,
      outcome: true,
      revoked: true,
      transmitter: { select: { name: true } },
    },
  });
}
