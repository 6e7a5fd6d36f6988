import { NextResponse, type NextRequest } from "next/server";
import { staffAuth } from "./lib/staff/auth0";

// Staff sign-in routes (/auth/*) and session upkeep for the admin pages. The
// verification flow (/id-verification) never passes through here.
export async function proxy(request: NextRequest) {
  const auth = staffAuth();
  if (!auth) {
    if (request.nextUrl.pathname.startsWith("/auth/")) {
      return new NextResponse("Staff sign-in is not configured on this portal.", { status: 404 });
    }
    return NextResponse.next();
  }
  return auth.middleware(request);
}

export const config = { matcher: ["/auth/:path*", "/admin/:path*", "/api/admin/:path*"] };
