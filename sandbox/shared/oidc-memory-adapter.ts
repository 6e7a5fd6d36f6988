/**
 * A per-instance in-memory storage adapter for oidc-provider.
 *
 * oidc-provider's built-in MemoryAdapter keeps one module-wide store (capped at 1000
 * entries) shared by every Provider in the process, and warns on every start. The
 * stand-in wants each instance isolated (a token from one stand-in must not work on
 * another one started by a different test), so it brings this small adapter instead.
 * Nothing is persisted: a restart forgets every code, token and session.
 */

type Payload = Record<string, unknown> & { grantId?: string; uid?: string; userCode?: string; jti?: string };

interface Entry {
  payload: Payload;
  /** epoch ms, or Infinity */
  expiresAt: number;
}

/** Models whose entries are revoked together with their grant. */
const GRANTABLE = new Set([
  "AccessToken",
  "AuthorizationCode",
  "RefreshToken",
  "DeviceCode",
  "BackchannelAuthenticationRequest",
  "PreAuthorizedCode",
]);

export interface OidcAdapter {
  upsert(id: string, payload: Payload, expiresIn?: number): Promise<void>;
  find(id: string): Promise<Payload | undefined>;
  findByUid(uid: string): Promise<Payload | undefined>;
  findByUserCode(userCode: string): Promise<Payload | undefined>;
  consume(id: string): Promise<void>;
  destroy(id: string): Promise<void>;
  revokeByGrantId(grantId: string): Promise<void>;
}

export class MemoryStore {
  private readonly entries = new Map<string, Entry>();
  /** grantId -> keys of entries issued under it */
  private readonly grants = new Map<string, Set<string>>();
  /** Session uid -> Session key; userCode -> key */
  private readonly index = new Map<string, string>();
  private writes = 0;

  get(key: string): Payload | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= Date.now()) {
      this.delete(key);
      return undefined;
    }
    return e.payload;
  }

  set(model: string, key: string, payload: Payload, expiresIn?: number): void {
    this.delete(key);
    const expiresAt = typeof expiresIn === "number" ? Date.now() + expiresIn * 1000 : Infinity;
    this.entries.set(key, { payload, expiresAt });
    if (model === "Session" && typeof payload.uid === "string") this.index.set(`sessionUid:${payload.uid}`, key);
    if (typeof payload.userCode === "string") this.index.set(`userCode:${payload.userCode}`, key);
    if (GRANTABLE.has(model) && typeof payload.grantId === "string") {
      let members = this.grants.get(payload.grantId);
      if (!members) this.grants.set(payload.grantId, (members = new Set()));
      members.add(key);
    }
    if (++this.writes % 200 === 0) this.sweep();
  }

  lookup(indexKey: string): Payload | undefined {
    const key = this.index.get(indexKey);
    return key === undefined ? undefined : this.get(key);
  }

  delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.entries.delete(key);
    const { payload } = e;
    if (typeof payload.uid === "string" && this.index.get(`sessionUid:${payload.uid}`) === key) {
      this.index.delete(`sessionUid:${payload.uid}`);
    }
    if (typeof payload.userCode === "string" && this.index.get(`userCode:${payload.userCode}`) === key) {
      this.index.delete(`userCode:${payload.userCode}`);
    }
    if (typeof payload.grantId === "string") {
      const members = this.grants.get(payload.grantId);
      members?.delete(key);
      if (members?.size === 0) this.grants.delete(payload.grantId);
    }
  }

  /** Deletes every live entry of `model` whose payload matches (the Auth0 stand-in's Management API: a user's refresh tokens, sessions). */
  deleteWhere(model: string, matches: (payload: Payload) => boolean): number {
    let n = 0;
    for (const [key, e] of [...this.entries]) {
      if (!key.startsWith(`${model}:`) || e.expiresAt <= Date.now() || !matches(e.payload)) continue;
      this.delete(key);
      n++;
    }
    return n;
  }

  revokeGrant(grantId: string): void {
    for (const key of [...(this.grants.get(grantId) ?? [])]) this.delete(key);
    this.grants.delete(grantId);
  }

  private sweep(): void {
    const now = Date.now();
    for (const [key, e] of this.entries) if (e.expiresAt <= now) this.delete(key);
  }
}

/** `adapter` option value for oidc-provider: a factory called once per model name. */
export function createMemoryAdapterFactory(store = new MemoryStore()): (model: string) => OidcAdapter {
  return (model: string) => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id, payload, expiresIn) {
        store.set(model, key(id), payload, expiresIn);
      },
      async find(id) {
        return store.get(key(id));
      },
      async findByUid(uid) {
        return store.lookup(`sessionUid:${uid}`);
      },
      async findByUserCode(userCode) {
        return store.lookup(`userCode:${userCode}`);
      },
      async consume(id) {
        const payload = store.get(key(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        store.delete(key(id));
      },
      async revokeByGrantId(grantId) {
        store.revokeGrant(grantId);
      },
    };
  };
}
