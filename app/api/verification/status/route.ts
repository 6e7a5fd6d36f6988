import { verificationStatus } from "@/lib/records/status";

export const dynamic = "force-dynamic";

// Server-to-server: the Auth0 Action asks whether a stored verification still stands.
export async function GET(request: Request) {
  return verificationStatus(request);
}
