import { getDb } from "../db/client";
import type { AttemptStatus, RecordStatus } from "../db/generated/client";
import { LINKED_ELSEWHERE } from "./detail";

/**
 * One provider identity (an ID.me or IDPartner account) as support sees it when
 * it is linked to one Auth0 user and another came back from the provider with
 * it and was refused (`uuid_linked_to_other_user`): both accounts side by side,
 * for "move to this account" or "unlink" (lib/records/link.ts). No personal
 * data: records show their policy, status and dates only.
 */

export interface IdentityAttempt {
  referenceCode: string;
  status: AttemptStatus;
  failureCode: string | null;
  auth0ClientId: string | null;
  createdAt: Date;
}

export interface IdentityAccount {
  personId: string;
  auth0UserId: string;
  /** When the portal first saw this Auth0 user. */
  personSince: Date;
  /** This account's attempts that came back from the provider with this identity, newest first. */
  attempts: IdentityAttempt[];
}

export interface IdentityRecord {
  id: string;
  policyKey: string;
  status: RecordStatus;
  lastCheckedAt: Date;
  expiresAt: Date;
}

export interface IdentityView {
  provider: string;
  providerUuid: string;
  /** The account the identity is linked to, with when and its records (one per policy); null when it is linked to nobody. */
  linked: (IdentityAccount & { linkedSince: Date; records: IdentityRecord[] }) | null;
  /** Other Auth0 users refused because the identity is linked elsewhere: the accounts it can be moved to. */
  claimants: IdentityAccount[];
}

const ATTEMPTS_SHOWN = 10;

export async function identityView(provider: string, providerUuid: string): Promise<IdentityView | null> {
  if (!provider || !providerUuid || provider.length > 64 || providerUuid.length > 200) return null;
  const db = await getDb();
  const identity = { provider, providerUuid };
  const [link, records, attempts] = await Promise.all([
    db.providerIdentity.findUnique({
      where: { provider_providerUuid: identity },
      select: { createdAt: true, person: { select: { id: true, auth0UserId: true, createdAt: true } } },
    }),
    db.verificationRecord.findMany({
      where: identity,
      select: { id: true, policyKey: true, status: true, lastCheckedAt: true, expiresAt: true },
      orderBy: { policyKey: "asc" },
    }),
    db.attempt.findMany({
      where: { ...identity, personId: { not: null } },
      select: {
        referenceCode: true,
        status: true,
        failureCode: true,
        auth0ClientId: true,
        createdAt: true,
        person: { select: { id: true, auth0UserId: true, createdAt: true } },
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: 500,
    }),
  ]);
  if (!link && !attempts.length) return null;

  const accounts = new Map<string, IdentityAccount & { refused: boolean }>();
  for (const a of attempts) {
    if (!a.person) continue;
    const account = accounts.get(a.person.id) ?? {
      personId: a.person.id,
      auth0UserId: a.person.auth0UserId,
      personSince: a.person.createdAt,
      attempts: [],
      refused: false,
    };
    const { referenceCode, status, failureCode, auth0ClientId, createdAt } = a;
    if (account.attempts.length < ATTEMPTS_SHOWN) account.attempts.push({ referenceCode, status, failureCode, auth0ClientId, createdAt });
    if (a.failureCode === LINKED_ELSEWHERE) account.refused = true;
    accounts.set(a.person.id, account);
  }
  const strip = ({ refused: _refused, ...account }: IdentityAccount & { refused: boolean }): IdentityAccount => account;
  const owner = link?.person;
  return {
    provider,
    providerUuid,
    linked: owner
      ? {
          ...(accounts.has(owner.id)
            ? strip(accounts.get(owner.id)!)
            : { personId: owner.id, auth0UserId: owner.auth0UserId, personSince: owner.createdAt, attempts: [] }),
          linkedSince: link.createdAt,
          records,
        }
      : null,
    claimants: [...accounts.values()].filter((a) => a.refused && a.personId !== owner?.id).map(strip),
  };
}
