import { receiveSetResponse } from "@/lib/signals/receiver";

export const dynamic = "force-dynamic";

// Server-to-server: Security Event Tokens pushed by a Shared Signals transmitter (RFC 8935).
export async function POST(request: Request) {
  return receiveSetResponse(request);
}
