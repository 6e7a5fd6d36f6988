import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import { identityView, type IdentityAccount } from "@/lib/records/identity";
import { policyLabel, applicationNames } from "@/lib/records";
import { attemptHref, identityHref, personHref, recordHref, segment } from "@/lib/insight/links";
import { Badge, Card, PageHeader } from "../../../_ui/kit";
import { Mono } from "../../../attempts/_components/attempt-parts";
import { Time } from "../../../_ui/time";
import { MoveForm, UnlinkForm } from "./identity-forms";

export const metadata: Metadata = { title: "Linked identity" };

const PROVIDER_NAMES: Record<string, string> = { idme: "ID.me", idpartner: "IDPartner" };

// One provider identity: the account it is linked to beside every account refused
// because of that link, with "move to this account" and "unlink" (support and admins).
export default async function IdentityPage({
  params,
  searchParams,
}: {
  params: Promise<{ provider: string; uuid: string }>;
  searchParams: Promise<{ done?: string | string[] }>;
}) {
  const raw = await params;
  const done = (await searchParams).done;
  const provider = segment(raw.provider);
  const uuid = segment(raw.uuid);
  await guardPage("support", identityHref(provider, uuid));
  const view = await identityView(provider, uuid);
  if (!view) notFound();
  const apps = await applicationNames();
  const providerName = PROVIDER_NAMES[provider] ?? provider;
  const target = view.linked ? { provider, providerUuid: uuid, fromPersonId: view.linked.personId } : null;

  return (
    <div className="space-y-6">
      <PageHeader
        title={`${providerName} identity`}
        description="One provider account can verify one Auth0 user. Here: who it is linked to, and who else came back from the provider with it and was refused."
      />
      {done === "moved" && view.linked ? (
        <p role="status" className="rounded-lg bg-emerald-50 p-3 text-sm text-emerald-900" data-testid="identity-done">
          Moved: the identity and its {view.linked.records.length} record(s) now belong to {view.linked.auth0UserId}. Their next login
          counts these verifications; the reason is in the audit log.
        </p>
      ) : null}
      {done === "unlinked" && !view.linked ? (
        <p role="status" className="rounded-lg bg-slate-100 p-3 text-sm text-slate-800" data-testid="identity-done">
          Unlinked: the identity is linked to nobody and its records are removed. Whoever verifies with it next is linked to it; the reason
          is in the audit log.
        </p>
      ) : null}
      <Card>
        <p className="text-sm">
          Provider uuid <Mono>{uuid}</Mono>
        </p>
        <p className="mt-2 text-sm text-slate-700">
          Before moving or unlinking, make sure the person you are helping controls this {providerName} account (they signed in with it:
          their refused attempt below proves it) and that the linked account is not theirs too. Both actions are written to the audit log
          with your reason.
        </p>
      </Card>

      <div className="grid gap-4 lg:grid-cols-2" data-testid="identity-accounts">
        <section aria-labelledby="linked-heading" className="rounded-xl border-2 border-emerald-200 bg-white p-4 shadow-sm sm:p-6">
          <h2 id="linked-heading" className="text-base font-semibold">
            Linked to
          </h2>
          {view.linked ? (
            <div className="mt-3 space-y-4" data-testid="identity-linked">
              <Account account={view.linked} apps={apps} />
              <p className="text-sm text-slate-600">
                Identity first linked <Time value={view.linked.linkedSince} /> (a move by support keeps that date; see the audit log).
              </p>
              <div>
                <h3 className="text-sm font-semibold">Verification records (one per policy)</h3>
                {view.linked.records.length ? (
                  <ul className="mt-2 space-y-1 text-sm">
                    {view.linked.records.map((r) => (
                      <li key={r.id} className="flex flex-wrap items-center gap-2">
                        <Link href={recordHref(r.id)} className="text-brand-700 underline">
                          {policyLabel(r.policyKey)}
                        </Link>
                        <Badge value={r.status} />
                        <span className="text-slate-600">
                          checked <Time value={r.lastCheckedAt} />
                        </span>
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="mt-1 text-sm text-slate-600">No records.</p>
                )}
              </div>
              {target ? <UnlinkForm target={target} /> : null}
            </div>
          ) : (
            <p className="mt-2 text-sm text-slate-600" data-testid="identity-unlinked">
              Nobody: the next person to verify with this identity is linked to it.
            </p>
          )}
        </section>

        <section aria-labelledby="claimants-heading" className="rounded-xl border-2 border-amber-200 bg-white p-4 shadow-sm sm:p-6">
          <h2 id="claimants-heading" className="text-base font-semibold">
            Refused because of that link
          </h2>
          {view.claimants.length ? (
            <ul className="mt-3 space-y-6" data-testid="identity-claimants">
              {view.claimants.map((c) => (
                <li key={c.personId} className="space-y-3">
                  <Account account={c} apps={apps} />
                  {target ? <MoveForm target={target} toPersonId={c.personId} auth0UserId={c.auth0UserId} /> : null}
                </li>
              ))}
            </ul>
          ) : (
            <p className="mt-2 text-sm text-slate-600">No other account has come back from the provider with this identity.</p>
          )}
        </section>
      </div>
    </div>
  );
}

function Account({ account, apps }: { account: IdentityAccount; apps: Map<string, string> }) {
  return (
    <div className="space-y-2">
      <p className="text-sm">
        <span className="block text-xs font-medium uppercase tracking-wide text-slate-500">Auth0 user</span>
        <Link href={personHref(account.auth0UserId)} className="break-all font-mono text-brand-700 underline">
          {account.auth0UserId}
        </Link>
        <span className="block text-xs text-slate-500">
          portal id <Mono>{account.personId}</Mono> · first seen <Time value={account.personSince} />
        </span>
      </p>
      {account.attempts.length ? (
        <ul className="space-y-1 text-sm">
          {account.attempts.map((a) => (
            <li key={a.referenceCode} className="flex flex-wrap items-center gap-2">
              <Link href={attemptHref(a.referenceCode)} className="font-mono text-brand-700 underline">
                {a.referenceCode}
              </Link>
              <Badge value={a.status} />
              {a.failureCode ? <code className="text-xs text-rose-800">{a.failureCode}</code> : null}
              <span className="text-slate-600">
                <Time value={a.createdAt} />
                {a.auth0ClientId ? ` · ${apps.get(a.auth0ClientId) ?? a.auth0ClientId}` : ""}
              </span>
            </li>
          ))}
        </ul>
      ) : (
        <p className="text-sm text-slate-600">No attempt of this account came back with this identity.</p>
      )}
    </div>
  );
}
