/**
 * An outbox's state in this process, and its "kick": a run asked for right after the change
 * that wrote to the outbox commits. No database here, so a module that writes to an outbox
 * (lib/events/emit.ts, lib/auth0/push.ts) can kick it without loading the runner.
 */

/** Asks for a run of the outbox in `delayMs` (best effort). */
export type Kicker = (delayMs: number) => void;

export interface OutboxState {
  /** How a kick asks for a run: the job runner's queue (lib/jobs) or a timer in this process. */
  kicker?: Kicker;
  /** Tests that drive the outbox themselves: no kick; the pending ones are cancelled. */
  paused?: boolean;
  /** This process's kick timers not yet fired. */
  timers: Set<NodeJS.Timeout>;
  /** The drain running in this process (one at a time; instances are kept apart by the claim). */
  running?: Promise<unknown>;
}

/**
 * The state under a key of globalThis: one per process even when the modules load twice
 * (Next.js bundles), and a test can simulate a second instance by clearing the key.
 */
export function outboxState(key: string): OutboxState {
  const g = globalThis as unknown as Record<string, OutboxState | undefined>;
  return (g[key] ??= { timers: new Set() });
}

/**
 * Asks for a run after each of `delaysMs`. Called inside the change's transaction, so the run
 * waits a moment for the commit (a later one in case the commit takes longer); the job
 * runner's minute schedule picks up anything a kick missed.
 */
export function kick(state: OutboxState, delaysMs: readonly number[]): void {
  if (state.paused) return;
  for (const ms of delaysMs) {
    try {
      state.kicker?.(ms);
    } catch {
      // the schedule sends it
    }
  }
}

/** Who a kick asks; undefined: nobody (the schedule alone). Pending kick timers are cancelled. */
export function setKicker(state: OutboxState, kicker: Kicker | undefined): void {
  state.kicker = kicker;
  cancelTimers(state);
}

export function pauseKicks(state: OutboxState, paused: boolean): void {
  state.paused = paused;
  cancelTimers(state);
}

function cancelTimers(state: OutboxState) {
  for (const t of state.timers) clearTimeout(t);
  state.timers.clear();
}

/** A kicker that runs `run` in this process after the delay (never what keeps the process alive). */
export function inProcessKicker(state: OutboxState, run: () => Promise<unknown>, onError: (err: unknown) => void): Kicker {
  return (delayMs) => {
    const timer = setTimeout(() => {
      state.timers.delete(timer);
      void run().catch(onError);
    }, delayMs);
    timer.unref();
    state.timers.add(timer);
  };
}
