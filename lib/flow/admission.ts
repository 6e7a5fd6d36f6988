import { AsyncLocalStorage } from "node:async_hooks";
import { env } from "../env";
import { log } from "../log";
import { PLAIN_PAGE_CSP } from "../security/headers";
import { poolSize } from "../db/client";

/**
 * Admission control in front of the login flow's steps (issue 11). Every step
 * of the flow does several statements and most hold a transaction; with more
 * steps in flight than the pool has connections, each statement queues behind
 * every other request's, a transaction waits for its connection past its
 * `maxWait`, and a burst of logins ends in `database_error` for most of them.
 *
 * So at most IDV_ADMISSION_CONCURRENCY steps run at once per instance (default:
 * the pool's size); the others wait their turn in a bounded queue
 * (IDV_ADMISSION_QUEUE) for a bounded time (IDV_ADMISSION_WAIT_MS; three times
 * that for the steps that finish a login). A step that
 * finds the queue full, or waits out its time, is answered 503 with
 * Retry-After and a page that tries again by itself (a GET reloads; a form
 * post shows its button again): nothing was done, nothing is recorded, the
 * Action's token and the provider's code stay unused.
 *
 * Steps of a login already under way are let in before new logins (the
 * Action's token at the entry), and the steps that finish one (the provider's
 * callback, whose code lives a minute; the way back to Auth0) before all
 * others; new logins may fill half the queue at most. So a busy moment
 * completes the logins it has started instead of starting more. A step waiting for the
 * provider's answer gives its place up meanwhile (`awayFromDb`) and takes the
 * next free one when the answer is in.
 */

/** In the order they are let in, last first: new logins, steps of logins under way, steps that finish a login. */
export type Priority = "new" | "step" | "finishing";

interface Waiter {
  resolve(admitted: boolean): void;
  timer?: NodeJS.Timeout;
}

export interface AdmissionLimits {
  concurrency: number;
  queue: number;
  waitMs: number;
}

export class Admission {
  private running = 0;
  private readonly queues: Record<Priority | "back", Waiter[]> = { back: [], finishing: [], step: [], new: [] };

  constructor(readonly limits: AdmissionLimits) {}

  /** Steps running now, and waiting. */
  get stats() {
    return { running: this.running, waiting: this.waiting() };
  }

  private waiting(): number {
    return this.queues.back.length + this.queues.finishing.length + this.queues.step.length + this.queues.new.length;
  }

  /** Takes a place: true at once or after waiting, false when the queue is full or the wait ran out. */
  enter(priority: Priority | "back"): Promise<boolean> {
    if (this.running < this.limits.concurrency && this.waiting() === 0) {
      this.running++;
      return Promise.resolve(true);
    }
    // One coming back from the provider already holds the person's answer: it always waits, first in line.
    if (priority !== "back" && this.waiting() >= this.limits.queue) return Promise.resolve(false);
    // New logins get half the queue at most: the rest is kept for the logins already under way.
    if (priority === "new" && this.queues.new.length >= Math.floor(this.limits.queue / 2)) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = { resolve };
      if (priority !== "back") {
        waiter.timer = setTimeout(
          () => {
            const q = this.queues[priority];
            const i = q.indexOf(waiter);
            if (i >= 0) q.splice(i, 1);
            resolve(false);
            // A 503 would only delay the steps that finish a login (the provider's code lives about a minute): they wait longer.
          },
          priority === "finishing" ? 3 * this.limits.waitMs : this.limits.waitMs,
        );
        waiter.timer.unref?.();
      }
      this.queues[priority].push(waiter);
    });
  }

  /** Gives a place back: to the next in line, if any. */
  leave(): void {
    const q = this.queues;
    const next = q.back.shift() ?? q.finishing.shift() ?? q.step.shift() ?? q.new.shift();
    if (next) {
      if (next.timer) clearTimeout(next.timer);
      next.resolve(true); // the place passes on: `running` stays
    } else {
      this.running--;
    }
  }
}

type Holder = { admission?: Admission; holding?: AsyncLocalStorage<{ held: boolean }> };
const holder: Holder = ((globalThis as { __idvAdmission?: Holder }).__idvAdmission ??= {});

/** The limits from the environment (README "Performance"). */
export function admissionLimits(): AdmissionLimits {
  const e = env();
  return {
    concurrency: e.IDV_ADMISSION_CONCURRENCY ?? poolSize(),
    queue: e.IDV_ADMISSION_QUEUE,
    waitMs: e.IDV_ADMISSION_WAIT_MS,
  };
}

export function admission(): Admission {
  return (holder.admission ??= new Admission(admissionLimits()));
}

/** Whether the current async context holds a place (and must give it back around slow outside calls). */
// On globalThis like the Admission itself: every bundled copy of this module shares both.
const holding = (holder.holding ??= new AsyncLocalStorage<{ held: boolean }>());

/**
 * Runs `fn` holding a place, or answers `busy()` when none is to be had. The
 * place is given back when `fn` ends, however it ends.
 */
export async function admitted(priority: Priority, fn: () => Promise<Response>, request: Request): Promise<Response> {
  const a = admission();
  if (!(await a.enter(priority))) return busy(request, a);
  const mark = { held: true };
  try {
    return await holding.run(mark, fn);
  } finally {
    if (mark.held) a.leave();
  }
}

/**
 * A call that waits on something other than the database (the provider's token
 * endpoint and userinfo): the place is given up meanwhile, taken back first in
 * line afterwards, so a slow provider does not hold the portal's database slots.
 */
export async function awayFromDb<T>(fn: () => Promise<T>): Promise<T> {
  const mark = holding.getStore();
  if (!mark?.held) return fn();
  const a = admission();
  mark.held = false;
  a.leave();
  try {
    return await fn();
  } finally {
    await a.enter("back");
    mark.held = true;
  }
}

/** Seconds a turned-away browser is asked to wait before trying again. */
export const RETRY_AFTER_S = 5;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * 503 with Retry-After: the portal is at capacity. A GET page reloads itself
 * after RETRY_AFTER_S (a meta refresh, no script); a form post cannot be
 * repeated by a reload, so its page offers the same button again.
 */
export function busy(request: Request, a: Admission = admission()): Response {
  const { running, waiting } = a.stats;
  log("warn", "at capacity: step turned away", { code: "busy", step: new URL(request.url).pathname, running, waiting });
  const url = new URL(request.url);
  const self = `${env().PORTAL_URL}${url.pathname}${url.search}`;
  const isPost = request.method === "POST";
  const again = isPost
    ? `<form method="post" action="${esc(self)}"><button type="submit">Try again</button></form>`
    : `<p><a href="${esc(self)}">Try again now</a></p>`;
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">${isPost ? "" : `<meta http-equiv="refresh" content="${RETRY_AFTER_S};url=${esc(self)}">`}<title>Busy · Identity Verification Portal</title>
<style>body{font-family:ui-sans-serif,system-ui,sans-serif;background:#f8fafc;color:#0f172a;display:flex;justify-content:center;padding:4rem 1rem}main{max-width:28rem;background:#fff;border:1px solid #e2e8f0;border-radius:1rem;padding:2rem}
button,a{display:block;text-align:center;padding:.75rem 1rem;border:1px solid #cbd5e1;border-radius:.5rem;color:#0f172a;background:#fff;text-decoration:none;font:inherit;font-weight:500;width:100%}</style></head>
<body><main role="status"><h1>Many people are verifying right now</h1><p>${
    isPost
      ? "Your request was not handled yet, and nothing was lost. Wait a few seconds, then press the button."
      : `Nothing was lost: this page tries again by itself in ${RETRY_AFTER_S} seconds.`
  }</p>${again}</main></body></html>`;
  return new Response(html, {
    status: 503,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "cache-control": "no-store",
      "retry-after": String(RETRY_AFTER_S),
      "content-security-policy": PLAIN_PAGE_CSP,
    },
  });
}
