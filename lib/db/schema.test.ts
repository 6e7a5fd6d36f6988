import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { Prisma, PrismaClient } from "./generated/client";
import { openEmbedded, pgRunner } from "./client";
import { applyMigrations, readMigrations } from "./migrate";

/**
 * The migrations in prisma/migrations must build exactly the database that
 * schema.prisma describes: every model and every field is written and read
 * back through the generated client, on PGlite and (when DATABASE_URL is set)
 * on a throwaway PostgreSQL database.
 */

const at = new Date("2026-01-02T03:04:05.678Z");

const samples = {
  Person: { id: "p_1", auth0UserId: "auth0|1", createdAt: at, erasedAt: at },
  ProviderIdentity: { provider: "idme", providerUuid: "u1", personId: "p_1", createdAt: at },
  VerificationRecord: {
    id: "r_1",
    provider: "idme",
    providerUuid: "u1",
    personId: "p_1",
    auth0UserId: "auth0|1",
    status: "verified",
    policy: "community",
    policyKey: "community:military",
    groups: [{ group: "military", subgroups: ["veteran"], verified: true }],
    attributesEnc: "v1.a",
    rawUserinfoEnc: "v1.b",
    idTokenEnc: "v1.c",
    emailLookup: "e",
    lastClientId: "app1",
    lastCheckedAt: at,
    expiresAt: at,
    createdAt: at,
    updatedAt: at,
  },
  Attempt: {
    id: "a_1",
    referenceCode: "IDV-AAAA-BBBB",
    personId: "p_1",
    recordId: "r_1",
    auth0UserId: "auth0|1",
    auth0ClientId: "client",
    auth0State: "st",
    provider: "idme",
    policy: "identity",
    scopes: ["openid", "military"],
    requiredGroup: "military",
    status: "verified",
    oauthState: "os",
    nonce: "n",
    codeVerifier: "cv",
    chooserState: "cs",
    chooserExpiresAt: at,
    providerChoice: "https://bank.example.test",
    providerUuid: "u1",
    returnStatus: "success",
    failureStep: "userinfo",
    failureCode: "x",
    checkedAt: at,
    resumedAt: at,
    createdAt: at,
    updatedAt: at,
    browserHash: "bh",
    accountHint: "al•••@example.test",
    appLabel: "App",
  },
  AttemptEvent: {
    id: 1n,
    attemptId: "a_1",
    step: "result",
    outcome: "error",
    errorCode: "c",
    errorDescription: "d",
    at,
  },
  Settings: {
    id: 1,
    provider: "idme",
    verificationType: "community",
    environment: "sandbox",
    baseUrl: "http://x",
    clientId: "c",
    clientSecretEnc: "v1.s",
    scopes: ["military"],
    requiredGroup: "military",
    reverifyIntervalHours: 24,
    returnMethod: "post",
    seededAt: at,
    updatedAt: at,
  },
  Application: {
    clientId: "app1",
    name: "App",
    required: true,
    provider: "idpartner",
    policy: "identity",
    requiredGroup: "military",
    scopes: ["openid"],
    reverifyIntervalHours: 2,
    logoUrl: "https://example.test/logo.png",
    accentColor: "#1d4ed8",
    supportContact: "help@example.test",
    privacyUrl: "https://example.test/privacy",
    createdAt: at,
    updatedAt: at,
  },
  AuditEvent: {
    id: 1n,
    at,
    actorId: "auth0|admin",
    actorEmail: "admin@example.test",
    actorRole: "admin",
    action: "settings.update",
    target: "settings",
    reason: "r",
    details: { changed: ["scopes"] },
  },
  ProviderSetting: {
    provider: "idpartner",
    baseUrl: "http://x",
    clientId: "c",
    clientSecretEnc: "v1.s",
    clientSecretAad: "settings.client_secret",
    config: { environment: "sandbox" },
    privateKeyEnc: "v1.k",
    seededAt: at,
    updatedAt: at,
  },
  EntryToken: { fingerprint: "f", attemptId: "a_1", expiresAt: at, usedAt: at },
  RateLimit: { key: "flow:k", points: 3, expire: at },
  RateLimitRefusal: { limiter: "flow", windowStart: at, count: 2 },
  RetentionSettings: {
    id: 1,
    rawAnswerDays: 400,
    attributesDays: 90,
    failedAttemptDays: 60,
    anonymousAttemptDays: 30,
    auditDays: 2190,
    updatedAt: at,
  },
  SignalTransmitter: {
    id: "idme",
    name: "ID.me",
    issuer: "https://api.id.me/oidc",
    jwksUrl: "https://api.id.me/ssf/jwks",
    audience: "https://verify.example.test/api/ssf/events",
    provider: "idme",
    enabled: true,
    configurationUrl: "https://api.id.me/ssf/streams",
    streamId: "stream-1",
    streamStatus: "enabled",
    eventsDelivered: ["https://schemas.openid.net/secevent/risc/event-type/account-disabled"],
    managementTokenEnc: "v1.sealed",
    pushAuthorizationSha256: "ab".repeat(32),
    verificationState: "state-1",
    verificationAskedAt: at,
    verifiedAt: at,
    createdAt: at,
    updatedAt: at,
  },
  SignalEvent: {
    id: 1n,
    transmitterId: "idme",
    jti: "jti-1",
    issuedAt: at,
    receivedAt: at,
    eventTypes: ["https://schemas.openid.net/secevent/risc/event-type/account-disabled"],
    outcome: "revoked",
    revoked: 2,
  },
  Auth0Push: {
    id: 1n,
    auth0UserId: "auth0|1",
    personId: "p_1",
    recordId: "rec_1",
    cause: "revoke",
    revokeSessions: true,
    status: "done",
    attempts: 2,
    lastError: "Auth0 did not answer",
    nextAttemptAt: at,
    createdAt: at,
    doneAt: at,
  },
  WebhookEndpoint: {
    id: "wh_1",
    name: "Back office",
    url: "https://hooks.example.test/idv",
    clientId: "client-1",
    eventTypes: ["verification.succeeded", "verification.revoked"],
    includeAttributes: false,
    enabled: true,
    secretEnc: "v1.s",
    previousSecretEnc: "v1.p",
    previousSecretUntil: at,
    createdAt: at,
    updatedAt: at,
  },
  WebhookEvent: {
    id: "evt_1",
    type: "verification.revoked",
    createdAt: at,
    payload: { id: "evt_1", type: "verification.revoked", data: { provider: "idme" } },
    recordId: "r_1",
  },
  WebhookDelivery: {
    id: 1n,
    eventId: "evt_1",
    endpointId: "wh_1",
    state: "delivered",
    attempts: 2,
    nextAttemptAt: at,
    deliveredAt: at,
    createdAt: at,
    updatedAt: at,
  },
  WebhookDeliveryAttempt: {
    id: 1n,
    deliveryId: 1n,
    at,
    outcome: "http_error",
    responseCode: 503,
    durationMs: 42,
    error: "HTTP 503",
    responseBody: "busy",
    nextRetryAt: at,
    trigger: "redeliver",
  },
  WebhookExpiryMark: { recordId: "r_1", expiresAt: at, markedAt: at },
} as const;

const fieldEnums: Record<keyof typeof samples, Record<string, string>> = {
  Person: Prisma.PersonScalarFieldEnum,
  ProviderIdentity: Prisma.ProviderIdentityScalarFieldEnum,
  VerificationRecord: Prisma.VerificationRecordScalarFieldEnum,
  Attempt: Prisma.AttemptScalarFieldEnum,
  AttemptEvent: Prisma.AttemptEventScalarFieldEnum,
  Settings: Prisma.SettingsScalarFieldEnum,
  Application: Prisma.ApplicationScalarFieldEnum,
  AuditEvent: Prisma.AuditEventScalarFieldEnum,
  ProviderSetting: Prisma.ProviderSettingScalarFieldEnum,
  EntryToken: Prisma.EntryTokenScalarFieldEnum,
  RateLimit: Prisma.RateLimitScalarFieldEnum,
  RateLimitRefusal: Prisma.RateLimitRefusalScalarFieldEnum,
  RetentionSettings: Prisma.RetentionSettingsScalarFieldEnum,
  SignalTransmitter: Prisma.SignalTransmitterScalarFieldEnum,
  SignalEvent: Prisma.SignalEventScalarFieldEnum,
  Auth0Push: Prisma.Auth0PushScalarFieldEnum,
  WebhookEndpoint: Prisma.WebhookEndpointScalarFieldEnum,
  WebhookEvent: Prisma.WebhookEventScalarFieldEnum,
  WebhookDelivery: Prisma.WebhookDeliveryScalarFieldEnum,
  WebhookDeliveryAttempt: Prisma.WebhookDeliveryAttemptScalarFieldEnum,
  WebhookExpiryMark: Prisma.WebhookExpiryMarkScalarFieldEnum,
};

async function roundTrip(db: PrismaClient) {
  // Writes in dependency order, then reads every scalar field back.
  for (const model of Object.keys(samples) as (keyof typeof samples)[]) {
    const delegate = (
      db as unknown as Record<
        string,
        { create: (a: unknown) => Promise<unknown>; findFirstOrThrow: (a: unknown) => Promise<Record<string, unknown>> }
      >
    )[model[0]!.toLowerCase() + model.slice(1)]!;
    await delegate.create({ data: samples[model] });
    const select = Object.fromEntries(Object.keys(fieldEnums[model]).map((f) => [f, true]));
    const back = await delegate.findFirstOrThrow({ select });
    expect(back, model).toEqual(samples[model]);
  }
}

describe("the migrated database matches schema.prisma", () => {
  it("every model's sample row covers every field of the model", () => {
    expect(Object.keys(samples).sort()).toEqual(Object.values(Prisma.ModelName).sort());
    for (const model of Object.keys(samples) as (keyof typeof samples)[]) {
      expect(Object.keys(samples[model]).sort(), model).toEqual(Object.keys(fieldEnums[model]).sort());
    }
  });

  it("on the embedded PGlite database", async () => {
    const db = await openEmbedded("memory://");
    await roundTrip(db);
    await db.$disconnect();
  });

  const url = process.env.DATABASE_URL;
  const pgName = `idv_schema_${process.pid}_${Date.now()}`;
  const admin = url ? new pg.Client({ connectionString: url }) : undefined;
  afterAll(async () => {
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS "${pgName}"`);
      await admin.end();
    }
  });

  // CI sets DATABASE_URL to a real PostgreSQL server; without it the suite's database is PGlite only.
  const servers = url ? ["PostgreSQL (DATABASE_URL)"] : [];
  it.each(servers)("on %s", async () => {
    await admin!.connect();
    await admin!.query(`CREATE DATABASE "${pgName}"`);
    const target = new URL(url!);
    target.pathname = `/${pgName}`;
    const client = new pg.Client({ connectionString: target.toString() });
    await client.connect();
    const runner = pgRunner(client);
    const first = await applyMigrations(runner, { lock: true });
    expect(first).toEqual((await readMigrations()).map((m) => m.name));
    // A second run applies nothing, and the ledger is the one `prisma migrate deploy` reads.
    expect(await applyMigrations(runner, { lock: true })).toEqual([]);
    const ledger = await runner.query<{ migration_name: string; checksum: string }>(
      `SELECT migration_name, checksum FROM "_prisma_migrations"`,
    );
    expect(ledger.map((r) => r.checksum)).toEqual((await readMigrations()).map((m) => m.checksum));
    await client.end();
    const db = new PrismaClient({ adapter: new PrismaPg({ connectionString: target.toString() }) });
    await roundTrip(db);
    await db.$disconnect();
  });
});
