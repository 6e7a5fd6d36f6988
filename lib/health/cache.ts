/**
 * A result kept for `ttlMs`, with at most one computation in flight: callers
 * arriving while it runs share it. Used for the provider checks of the staff
 * health report, so that neither many requests nor a provider outage turns
 * into many outbound calls.
 */
export function singleFlight<T>(compute: () => Promise<T>, ttlMs: number, now: () => number = Date.now) {
  let kept: { at: number; value: T } | undefined;
  let running: Promise<T> | undefined;
  return {
    get(): Promise<{ value: T; at: number }> {
      if (kept && now() - kept.at < ttlMs) return Promise.resolve(kept);
      running ??= compute().finally(() => {
        running = undefined;
      });
      return running.then((value) => {
        if (!kept || kept.value !== value) kept = { at: now(), value };
        return kept;
      });
    },
  };
}
