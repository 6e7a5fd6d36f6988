import { normalizeAddress } from "../auth0/token";

/**
 * The address a request came from, as the rate limits and the optional `ip`
 * binding see it.
 *
 * Next.js gives a route handler no socket address; it fills `X-Forwarded-For`
 * with it, but only when the request has no such header of its own. So with no
 * trusted proxy (TRUSTED_PROXY_HOPS=0) proxy.ts removes whatever the client
 * sent (`withoutClientForwardedFor`), and the header then holds the socket
 * address alone. Behind N trusted proxies each one appends the address it saw,
 * and the client is the N-th entry from the right (Express's "trust proxy" N);
 * anything further left was written by the client and is ignored.
 */
export function clientAddress(headers: Headers, trustedHops: number): string | undefined {
  const chain = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const entry = chain[chain.length - Math.max(trustedHops, 1)];
  return entry === undefined ? undefined : normalizeAddress(entry);
}

/** For proxy.ts: request headers without a client-written X-Forwarded-For when no proxy is trusted. */
export function withoutClientForwardedFor(headers: Headers, trustedHops: number): Headers {
  const out = new Headers(headers);
  if (trustedHops === 0) out.delete("x-forwarded-for");
  return out;
}
