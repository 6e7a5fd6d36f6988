import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import { env } from "@/lib/env";
import { providerFor, providerIds } from "@/lib/providers";
import { listTransmitters, recentSignalEvents } from "@/lib/signals/transmitters";
import { eventLabel } from "@/lib/signals/events";
import { JTI_WINDOW_DAYS } from "@/lib/signals/receiver";
import { reportedStreamStatus } from "@/lib/signals/stream-status";
import { Badge, Card, PageHeader, TableHead } from "../_ui/kit";
import { Time } from "../_ui/time";
import { TransmitterForm } from "./transmitter-form";
import { ConnectStreamForm, VerifyStreamForm } from "./stream-form";
import { StreamStatus } from "./stream-status";

export const metadata: Metadata = { title: "Shared Signals" };

const OUTCOME: Record<string, string> = {
  revoked: "revoked",
  pending: "in progress",
  no_match: "no matching account",
  ignored: "accepted, not acted on",
  verification: "stream check",
  stream_status: "stream status noted",
};

/** Admins: the Shared Signals transmitters the portal trusts, and the events received (README "Shared Signals"). */
export default async function SignalsPage() {
  await guardPage("admin", "/admin/signals");
  const [transmitters, events] = await Promise.all([listTransmitters(), recentSignalEvents(50)]);
  // Asked of each transmitter now, so the page shows what it says rather than what was true at "Connect stream".
  const statuses = await Promise.all(transmitters.map(reportedStreamStatus));
  const providers = providerIds().map((id) => ({ id, name: providerFor(id).displayName }));
  const receiver = `${env().PORTAL_URL.replace(/\/+$/, "")}/api/ssf/events`;
  return (
    <div className="mx-auto max-w-4xl space-y-6">
      <PageHeader
        title="Shared Signals"
        description="Identity providers push account events here (OpenID Shared Signals). An account disabled, purged or with compromised credentials revokes the verifications resting on it."
      />
      <Card>
        <p className="text-sm text-slate-700">
          Push endpoint (RFC 8935, <span className="font-mono text-xs">application/secevent+jwt</span>):{" "}
          <span className="break-all font-mono text-xs text-slate-900">{receiver}</span>. Add a transmitter below, then{" "}
          <strong>Connect stream</strong> with the token it issued to this portal: the portal creates its stream there with this endpoint
          and an Authorization header every push must carry. Events must be signed by a key at the transmitter&apos;s JWKS URL, name its
          issuer and the stream&apos;s audience, and be at most {JTI_WINDOW_DAYS} days old; each event id (jti) acts once.
        </p>
      </Card>
      {transmitters.map((t, i) => (
        <Card key={t.id} title={`${t.name}${t.enabled ? "" : " (off)"}`}>
          <TransmitterForm
            isNew={false}
            providers={providers}
            initial={{
              id: t.id,
              name: t.name,
              issuer: t.issuer,
              jwksUrl: t.jwksUrl,
              audience: t.audience,
              provider: t.provider,
              enabled: t.enabled,
            }}
          />
          <section aria-label={`Stream of ${t.name}`} className="mt-6 space-y-3 border-t border-slate-200 pt-4">
            <h3 className="text-sm font-semibold text-slate-900">Stream</h3>
            {t.streamId ? (
              <dl className="grid grid-cols-[auto_1fr] gap-x-4 gap-y-1 text-sm" data-testid={`stream-${t.id}`}>
                <dt className="text-slate-600">Stream id</dt>
                <dd className="font-mono text-xs break-all">{t.streamId}</dd>
                <dt className="text-slate-600">Status</dt>
                <dd>
                  <StreamStatus id={t.id} name={t.name} reported={statuses[i] ?? null} lastSent={t.streamStatus} />
                </dd>
                <dt className="text-slate-600">Events delivered</dt>
                <dd>{t.eventsDelivered.length ? t.eventsDelivered.map(eventLabel).join(", ") : "none"}</dd>
                <dt className="text-slate-600">Pushes</dt>
                <dd>{t.pushAuthorizationSha256 ? "must carry the Authorization header given at creation" : "any (no header was set)"}</dd>
                <dt className="text-slate-600">Last verification</dt>
                <dd data-testid={`stream-${t.id}-verified`}>
                  {t.verifiedAt ? (
                    <>
                      verified <Time value={t.verifiedAt} />
                    </>
                  ) : t.verificationAskedAt ? (
                    <>
                      asked <Time value={t.verificationAskedAt} />, no answer yet
                    </>
                  ) : (
                    "never"
                  )}
                </dd>
              </dl>
            ) : (
              <p className="text-sm text-slate-700">
                No stream yet: the transmitter sends events only on a stream this portal creates (OpenID Shared Signals 1.0).
              </p>
            )}
            <ConnectStreamForm id={t.id} name={t.name} connected={Boolean(t.streamId)} />
            {t.streamId ? <VerifyStreamForm id={t.id} name={t.name} /> : null}
          </section>
        </Card>
      ))}
      <Card title="Add a transmitter">
        <TransmitterForm
          isNew
          providers={providers}
          initial={{ id: "", name: "", issuer: "", jwksUrl: "", audience: receiver, provider: providers[0]?.id ?? "idme", enabled: true }}
        />
      </Card>
      <Card title="Events received">
        {events.length === 0 ? (
          <p className="text-sm text-slate-600">No event has arrived yet.</p>
        ) : (
          <div className="overflow-x-auto" tabIndex={0} role="region" aria-label="Events received">
            <table className="w-full text-left text-sm">
              <TableHead columns={["Received", "Transmitter", "Events", "Outcome", { label: "Revoked", right: true }, "Event id"]} />
              <tbody>
                {events.map((e) => (
                  <tr key={String(e.id)} className="border-t border-slate-100 align-top">
                    <td className="py-2 pr-3 whitespace-nowrap">
                      <Time value={e.receivedAt} />
                    </td>
                    <td className="py-2 pr-3">{e.transmitter.name}</td>
                    <td className="py-2 pr-3">{e.eventTypes.map(eventLabel).join(", ")}</td>
                    <td className="py-2 pr-3">
                      <Badge value={OUTCOME[e.outcome] ?? e.outcome} />
                    </td>
                    <td className="py-2 pr-3 text-right tabular-nums">{e.revoked}</td>
                    <td className="py-2 pr-3 font-mono text-xs break-all">{e.jti}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
