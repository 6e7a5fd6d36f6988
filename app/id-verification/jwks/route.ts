import { NextResponse } from "next/server";
import { providerJwks } from "@/lib/settings";

// The portal's public signing keys (private_key_jwt), one per provider that uses one:
// the JWKS URL an admin registers at the provider. Public by design, cached briefly.
export async function GET() {
  return NextResponse.json(await providerJwks(), {
    headers: { "cache-control": "public, max-age=300", "content-type": "application/jwk-set+json" },
  });
}

export const dynamic = "force-dynamic";
