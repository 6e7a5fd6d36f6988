import { createHash, timingSafeEqual } from "node:crypto";
import { env } from "../env";
import { renderMetrics } from "./index";

/**
 * GET /api/metrics for Prometheus: only with `Authorization: Bearer <METRICS_TOKEN>`;
 * without METRICS_TOKEN the endpoint does not exist (404). Each instance answers for
 * itself, so Prometheus scrapes every instance, not the proxy in front of them.
 */

const digest = (s: string) => createHash("sha256").update(s).digest();

export async function metricsResponse(request: Request): Promise<Response> {
  const token = env().METRICS_TOKEN;
  if (!token) return new Response("Not found", { status: 404 });
  const given = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1] ?? "";
  if (!timingSafeEqual(digest(given), digest(token))) {
    return new Response("A bearer token (METRICS_TOKEN) is required.", {
      status: 401,
      headers: { "www-authenticate": 'Bearer realm="metrics"', "cache-control": "no-store" },
    });
  }
  const { body, contentType } = await renderMetrics();
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-store" } });
}
