import { createHmac, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { esc, readBody, sendHtml, sendJson, sendRaw } from "../shared/http";

/**
 * The demo's webhook receiver (README "Webhooks out"): a local server the portal's
 * endpoints can point at (POST /hooks/<name>), and a page (GET /) that shows the events
 * as they arrive and whether each signature checks out. Its check is its own code (not
 * lib/events'), as any receiver's would be: HMAC-SHA256 over "<t>.<body>" keyed by the
 * endpoint's secret, compared with each v1 of the Idv-Signature header, and a t more than
 * five minutes from this clock refused as a possible replay.
 *
 * The secret of a hook is given at start (the demo's own endpoint) or pasted on the page
 * (an endpoint an admin adds: the portal shows its secret once). It answers 204 to a
 * delivery whose signature checks out, 400 otherwise (so the portal's delivery log says so).
 */

export const TOLERANCE_SECONDS = 300;

export type Verdict = "valid" | "bad_signature" | "stale_timestamp" | "no_signature" | "no_secret";

export interface ReceivedEvent {
  at: string;
  hook: string;
  eventId: string | null;
  type: string | null;
  verdict: Verdict;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  /** The hook's URL, to register as an endpoint. */
  hookUrl(name: string): string;
  setSecret(name: string, secret: string): void;
  events(): ReceivedEvent[];
  close(): Promise<void>;
}

/** The receiver's check of one delivery. */
export function checkSignature(header: string | undefined, body: string, secret: string | undefined, nowS = Date.now() / 1000): Verdict {
  if (!secret) return "no_secret";
  if (!header) return "no_signature";
  const fields = header.split(",").map((p) => {
    const i = p.indexOf("=");
    return [p.slice(0, i).trim(), p.slice(i + 1).trim()] as const;
  });
  const t = Number(fields.find(([k]) => k === "t")?.[1]);
  if (!Number.isInteger(t)) return "no_signature";
  const expected = createHmac("sha256", secret).update(`${t}.${body}`).digest();
  const match = fields
    .filter(([k]) => k === "v1")
    .some(([, v]) => {
      const got = Buffer.from(v, "hex");
      return got.length === expected.length && timingSafeEqual(got, expected);
    });
  if (!match) return "bad_signature";
  return Math.abs(nowS - t) > TOLERANCE_SECONDS ? "stale_timestamp" : "valid";
}

const VERDICT_TEXT: Record<Verdict, string> = {
  valid: "signature valid",
  bad_signature: "signature does NOT match",
  stale_timestamp: "timestamp too old (replay?)",
  no_signature: "no signature",
  no_secret: "no secret set for this hook",
};

function page(received: ReceivedEvent[], secrets: Map<string, string>, self: string): string {
  const rows = received
    .map(
      (e) => `<li class="event ${e.verdict === "valid" ? "ok" : "bad"}" data-event-id="${esc(e.eventId ?? "")}">
  <p><strong>${esc(e.type ?? "(no type)")}</strong> <code>${esc(e.eventId ?? "")}</code> → <code>/hooks/${esc(e.hook)}</code>
  <span class="verdict">${esc(VERDICT_TEXT[e.verdict])}</span> <time datetime="${esc(e.at)}">${esc(e.at.replace("T", " ").slice(0, 19))} UTC</time></p>
  <pre>${esc(prettyJson(e.body))}</pre></li>`,
    )
    .join("\n");
  const hooks = [...secrets.keys()].map((h) => `<li><code>${esc(`${self}/hooks/${h}`)}</code> (secret set)</li>`).join("");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Webhook receiver · demo</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #f4f6f8; color: #1d2430; margin: 0; }
  main { max-width: 52rem; margin: 2rem auto; background: #fff; border-radius: 10px; padding: 1.5rem 2rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  h1 { font-size: 1.3rem; margin: 0 0 .5rem; }
  ul.events { list-style: none; padding: 0; display: grid; gap: .75rem; }
  li.event { border: 1px solid #d5dbe3; border-left: 6px solid #1f7a4d; border-radius: 6px; padding: .5rem .75rem; }
  li.event.bad { border-left-color: #b3261e; }
  .verdict { font-weight: 600; margin-left: .5rem; }
  li.ok .verdict { color: #1f6b43; } li.bad .verdict { color: #a12622; }
  pre { background: #f1f3f6; padding: .5rem; border-radius: 4px; font-size: .8rem; white-space: pre-wrap; overflow-wrap: anywhere; }
  code { overflow-wrap: anywhere; }
  label { display: block; font-weight: 600; margin-top: .5rem; }
  input { font: inherit; padding: .35rem .5rem; border: 1px solid #8a94a3; border-radius: 4px; width: 100%; box-sizing: border-box; }
  button, a.button { font: inherit; margin-top: .5rem; padding: .4rem .9rem; border-radius: 6px; border: 1px solid #1d4ed8; background: #1d4ed8; color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
</style></head>
<body><main>
<h1>Webhook receiver (demo)</h1>
<p>Register <code>${esc(self)}/hooks/&lt;name&gt;</code> as an endpoint on the portal's Webhooks page, paste its secret below, and
events appear here with this receiver's own signature check.</p>
<ul>${hooks}</ul>
<form method="post" action="/secret">
  <label for="hook">Hook name</label><input id="hook" name="hook" required pattern="[a-z0-9-]{1,40}" value="demo">
  <label for="secret">Signing secret (whsec_…)</label><input id="secret" name="secret" required autocomplete="off" spellcheck="false">
  <button type="submit">Use this secret</button>
</form>
<h2>Events received (${received.length})</h2>
<p><a class="button" href="/">Refresh</a></p>
<ul class="events">${rows || "<li>None yet.</li>"}</ul>
</main></body></html>`;
}

function prettyJson(body: string): string {
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body.slice(0, 2000);
  }
}

export async function startWebhookReceiver(opts: { port?: number; secrets?: Record<string, string> } = {}): Promise<WebhookReceiver> {
  const secrets = new Map(Object.entries(opts.secrets ?? {}));
  const received: ReceivedEvent[] = [];
  let self = "";
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const hook = /^\/hooks\/([a-z0-9-]{1,40})$/.exec(url.pathname)?.[1];
      if (req.method === "POST" && hook) {
        const body = await readBody(req, 256 * 1024);
        const header = req.headers["idv-signature"];
        const verdict = checkSignature(Array.isArray(header) ? header[0] : header, body, secrets.get(hook));
        let parsed: { id?: unknown; type?: unknown } = {};
        try {
          parsed = JSON.parse(body) as typeof parsed;
        } catch {
          // shown as it came
        }
        received.unshift({
          at: new Date().toISOString(),
          hook,
          eventId: typeof parsed.id === "string" ? parsed.id : null,
          type: typeof parsed.type === "string" ? parsed.type : null,
          verdict,
          body,
        });
        received.splice(200);
        if (verdict === "valid") return sendRaw(res, 204, "text/plain", "");
        return sendJson(res, 400, { error: verdict });
      }
      if (req.method === "POST" && url.pathname === "/secret") {
        const form = new URLSearchParams(await readBody(req, 8 * 1024));
        const name = form.get("hook") ?? "";
        const secret = (form.get("secret") ?? "").trim();
        if (!/^[a-z0-9-]{1,40}$/.test(name) || !/^whsec_[A-Za-z0-9_-]{20,100}$/.test(secret))
          return sendHtml(
            res,
            400,
            page(received, secrets, self).replace("<h2>", `<p role="alert">Enter a hook name and a whsec_ secret.</p><h2>`),
          );
        secrets.set(name, secret);
        res.writeHead(303, { location: "/" }).end();
        return;
      }
      if (req.method === "GET" && url.pathname === "/events.json") return sendJson(res, 200, received);
      if (req.method === "GET" && url.pathname === "/") return sendHtml(res, 200, page(received, secrets, self));
      sendJson(res, 404, { error: "not_found" });
    })().catch(() => {
      if (!res.headersSent) sendJson(res, 400, { error: "bad_request" });
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  self = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: self,
    hookUrl: (name) => `${self}/hooks/${name}`,
    setSecret: (name, secret) => void secrets.set(name, secret),
    events: () => [...received],
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
