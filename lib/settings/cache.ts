import pg from "pg";
import { env } from "../env";
import { log } from "../log";

/**
 * What the settings loaders return, kept per instance for the login path, so
 * a step does not read the settings row, the application and the provider row
 * and open the sealed secret again.
 *
 * Every change to `settings`, `application` or `provider_setting` (by any
 * instance, a script or psql) fires a trigger that NOTIFYs `idv_settings`
 * (migration 20261202120000_settings_notify). Each instance LISTENs on a
 * connection of its own and empties its cache when a notification arrives:
 * PostgreSQL delivers it when the change commits, so the bound is the time a
 * notification takes to arrive (milliseconds on one network). While that
 * connection is not up (starting, lost, reconnecting) nothing is cached and
 * every read goes to the database, so a notification missed while it was
 * down cannot leave a stale entry behind. On the embedded database (one
 * process, no LISTEN over the socket) nothing is cached.
 */

export const SETTINGS_CHANNEL = "idv_settings";

interface Holder {
  entries: Map<string, Promise<unknown>>;
  listening: boolean;
  client?: pg.Client;
  connecting?: Promise<void>;
  retry?: NodeJS.Timeout;
  stopped?: boolean;
}

const holder: Holder = ((globalThis as { __idvSettingsCache?: Holder }).__idvSettingsCache ??= {
  entries: new Map(),
  listening: false,
});

/** Drops every cached entry (a notification arrived, or the listening connection went away). */
export function forgetSettings(): void {
  holder.entries.clear();
}

function lost(reason: string): void {
  if (!holder.listening && !holder.client) return;
  holder.listening = false;
  holder.client?.removeAllListeners();
  holder.client?.end().catch(() => {});
  holder.client = undefined;
  forgetSettings();
  retryLater(reason);
}

function retryLater(reason: string): void {
  if (holder.stopped) return;
  log("warn", "settings cache off until the notification connection is back", { error: reason });
  holder.retry ??= setTimeout(() => {
    holder.retry = undefined;
    void listen();
  }, 1_000);
  holder.retry.unref();
}

/** Opens the listening connection (once; again after it was lost). */
export function listen(): Promise<void> {
  const url = env().DATABASE_URL;
  if (!url || holder.listening || holder.stopped) return Promise.resolve();
  holder.connecting ??= (async () => {
    const client = new pg.Client({ connectionString: url });
    client.on("error", (err) => lost(err.name));
    client.on("end", () => lost("connection ended"));
    client.on("notification", (n) => {
      if (n.channel === SETTINGS_CHANNEL) forgetSettings();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${SETTINGS_CHANNEL}`);
      holder.client = client;
      // Anything read before this moment may predate a change nobody heard about.
      forgetSettings();
      holder.listening = true;
    } catch (err) {
      client.removeAllListeners();
      await client.end().catch(() => {});
      retryLater((err as Error)?.name ?? "Error");
    }
  })().finally(() => {
    holder.connecting = undefined;
  });
  return holder.connecting;
}

/** Closes the listening connection (at shutdown). */
export async function stopListening(): Promise<void> {
  holder.stopped = true;
  if (holder.retry) clearTimeout(holder.retry);
  const client = holder.client;
  holder.client = undefined;
  holder.listening = false;
  forgetSettings();
  client?.removeAllListeners();
  await client?.end().catch(() => {});
}

/**
 * `load()`'s value for `key`, from the cache while the instance listens for
 * changes. Simultaneous first reads share one load; a failed load is not kept.
 */
export function cachedSettings<T>(key: string, load: () => Promise<T>): Promise<T> {
  if (!holder.listening) {
    void listen();
    return load();
  }
  const hit = holder.entries.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const loading = load();
  holder.entries.set(key, loading);
  loading.catch(() => {
    if (holder.entries.get(key) === loading) holder.entries.delete(key);
  });
  return loading;
}
