import Link from "next/link";
import { notFound } from "next/navigation";
import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import { RevokeForm } from "@/app/admin/_support/RevokeForm";
import { Revocation } from "./revocation";
import { identityHref, personHref, recordHref } from "@/lib/insight/links";
import { policyLabel, applicationNames, getRecordDetail, openRecordAttributes } from "@/lib/records";
import { attributesForRole } from "@/lib/records/mask";
import { recordRetention, type RecordRetention } from "@/lib/records/retention";
import { Badge, Card, PageHeader } from "../../_ui/kit";
import { ApplicationValue, BackToRecords, AttemptCard, Facts, Mono, SearchLink } from "../../attempts/_components/attempt-parts";
import { Time } from "../../_ui/time";
import { providerNameFor } from "@/lib/flow/view";
import { RevealForm } from "./reveal-form";

export const metadata: Metadata = { title: "Record" };

const ATTRIBUTE_LABELS: [string, string][] = [
  ["givenName", "Given name"],
  ["familyName", "Family name"],
  ["email", "Email"],
  ["birthDate", "Birth date"],
  ["phone", "Phone"],
  ["street", "Street"],
  ["city", "City"],
  ["state", "State"],
  ["zip", "ZIP code"],
  ["country", "Country"],
  ["uuid", "Provider uuid"],
];

export default async function RecordPage({ params }: { params: Promise<{ id: string }> }) {
  const { id: rawId } = await params;
  const id = safeDecode(rawId);
  const staff = await guardPage("support", `/admin/records/${encodeURIComponent(id)}`);
  const record = await getRecordDetail(id);
  if (!record) notFound();
  const [apps, opened, retention] = await Promise.all([applicationNames(), openRecordAttributes(record.id), recordRetention(record.id)]);
  const shown = opened.ok ? attributesForRole(staff.role, opened.attributes) : null;
  // A server component renders once per request: reading the clock here is intended.
  // eslint-disable-next-line react-hooks/purity
  const expired = record.expiresAt.getTime() < Date.now();
  const appName = record.lastClientId ? apps.get(record.lastClientId) : undefined;

  return (
    <div className="space-y-6">
      <BackToRecords />
      <PageHeader title="Verification record" description={record.id}>
        <div className="flex flex-wrap items-center gap-3">
          <Badge value={record.status} />
          <Link href={personHref(record.auth0UserId)} className="text-sm text-brand-700 underline">
            Everything about this person
          </Link>
        </div>
      </PageHeader>
      <RevokeForm recordId={record.id} status={record.status} />
      <Revocation recordId={record.id} status={record.status} />
      {record.refusedClaims ? (
        <p role="status" className="rounded-lg border border-amber-300 bg-amber-50 p-3 text-sm text-amber-900" data-testid="refused-claims">
          {record.refusedClaims === 1 ? "One attempt" : `${record.refusedClaims} attempts`} of another Auth0 user came back from the
          provider with this identity and {record.refusedClaims === 1 ? "was" : "were"} refused.{" "}
          <Link href={identityHref(record.provider, record.providerUuid)} className="font-medium underline">
            See both accounts side by side
          </Link>
          .
        </p>
      ) : null}

      <Card title="Summary">
        <Facts
          items={[
            ["Status", <Badge key="s" value={record.status} />],
            [
              "Policy",
              <span key="pk" data-testid="record-policy">
                {policyLabel(record.policyKey)}
              </span>,
            ],
            [
              "Other policies of this identity",
              record.otherPolicies.length ? (
                <ul key="op" className="space-y-0.5">
                  {record.otherPolicies.map((o) => (
                    <li key={o.id}>
                      <Link href={recordHref(o.id)} className="text-brand-700 underline">
                        {policyLabel(o.policyKey)}
                      </Link>{" "}
                      <Badge value={o.status} />{" "}
                      <span className="text-slate-500">
                        <Time value={o.lastCheckedAt} />
                      </span>
                    </li>
                  ))}
                </ul>
              ) : (
                "—"
              ),
            ],
            [
              "Groups",
              record.groupEntries.length ? (
                <ul className="space-y-0.5">
                  {record.groupEntries.map((g, i) => (
                    <li key={`${g.group}-${i}`}>
                      {g.group}
                      {g.subgroups.length ? <span className="text-slate-500"> ({g.subgroups.join(", ")})</span> : null}{" "}
                      <span className={g.verified ? "text-emerald-700" : "text-rose-700"}>{g.verified ? "verified" : "not verified"}</span>
                    </li>
                  ))}
                </ul>
              ) : (
                "—"
              ),
            ],
            ["Provider", await providerNameFor(record.provider)],
            [
              "Provider uuid",
              <span key="u">
                <Mono>{record.providerUuid}</Mono>{" "}
                <Link href={identityHref(record.provider, record.providerUuid)} className="text-brand-700 underline">
                  linked
                  {record.linkedSince ? (
                    <>
                      {" "}
                      since <Time value={record.linkedSince} />
                    </>
                  ) : null}
                </Link>
              </span>,
            ],
            ["Last check", <Time key="t-lastcheck" value={record.lastCheckedAt} />],
            [
              "Expires",
              <span key="e">
                <Time value={record.expiresAt} />
                {expired ? " (expired)" : ""}
              </span>,
            ],
            ["Application of the last check", <ApplicationValue key="a" clientId={record.lastClientId} name={appName} />],
            [
              "Personal data kept until",
              <span key="ret" data-testid="record-retention">
                {retention ? <RetentionText retention={retention} /> : "—"}
              </span>,
            ],
            ["Created", <Time key="t-created" value={record.createdAt} />],
            ["Person id (sent to Auth0)", <SearchLink key="p" q={record.personId} title="All records of this person" />],
            ["Auth0 user id", <SearchLink key="au" q={record.auth0UserId} title="All records of this Auth0 user" />],
          ]}
        />
      </Card>

      <Card title="Attributes">
        {shown ? (
          <>
            {staff.role !== "admin" ? (
              <p className="mb-3 text-sm text-slate-600" data-testid="attributes-masked">
                Masked for your role. To see them, reveal the personal data below and give a reason.
              </p>
            ) : null}
            <dl className="grid grid-cols-1 gap-x-6 gap-y-2 sm:grid-cols-2" data-testid="attributes">
              {ATTRIBUTE_LABELS.filter(([k]) => shown[k] !== undefined).map(([k, label]) => (
                <div key={k} className="min-w-0">
                  <dt className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</dt>
                  <dd className="break-words text-sm">{shown[k] || <span className="text-slate-500">(empty)</span>}</dd>
                </div>
              ))}
            </dl>
          </>
        ) : retention?.attributesPurged ? (
          <p className="text-sm text-slate-600" role="status" data-testid="attributes-purged">
            Purged under the retention settings: the record keeps its status, dates and groups, no personal data.
          </p>
        ) : (
          <p className="text-sm text-rose-700" role="status">
            The sealed attributes of this record cannot be opened with the portal&apos;s ENCRYPTION_KEY.
          </p>
        )}
      </Card>

      <Card title="Personal data from the provider">
        <p className="mb-3 text-sm text-slate-600">
          The userinfo answer{record.hasIdTokenClaims ? " and ID token claims" : ""} stay sealed until someone asks to see them. Every
          reveal is written to the audit log.
        </p>
        {retention?.attributesPurged ? (
          <p className="text-sm text-slate-600">Nothing is left to reveal: this record&apos;s personal data was purged.</p>
        ) : (
          <RevealForm recordId={record.id} role={staff.role} />
        )}
      </Card>

      <section aria-labelledby="attempts-heading" className="space-y-3">
        <h2 id="attempts-heading" className="text-lg font-semibold">
          Attempts for this record <span className="text-sm font-normal text-slate-500">(newest first)</span>
        </h2>
        {record.attempts.length ? (
          record.attempts.map((a) => <AttemptCard key={a.id} attempt={a} applications={apps} />)
        ) : (
          <p className="text-sm text-slate-600">No attempts are tied to this record.</p>
        )}
      </section>

      {record.otherAttempts.length ? (
        <section aria-labelledby="other-attempts-heading" className="space-y-3">
          <h2 id="other-attempts-heading" className="text-lg font-semibold">
            Other attempts of this Auth0 user{" "}
            <span className="text-sm font-normal text-slate-500">(ended before the provider answered)</span>
          </h2>
          {record.otherAttempts.map((a) => (
            <AttemptCard key={a.id} attempt={a} applications={apps} />
          ))}
        </section>
      ) : null}
    </div>
  );
}

/** When the purge clears this record's data (README "Personal data: what is kept"). */
function RetentionText({ retention }: { retention: RecordRetention }) {
  if (retention.attributesPurged) return <>purged</>;
  const raw = retention.rawAnswerPurged ? (
    "; raw provider answer already purged"
  ) : retention.rawAnswerPurgeAt.getTime() < retention.attributesPurgeAt.getTime() ? (
    <>
      ; raw provider answer until <Time value={retention.rawAnswerPurgeAt} />
    </>
  ) : null;
  return (
    <>
      <Time value={retention.attributesPurgeAt} />
      {raw} <span className="text-slate-500">(the first daily purge after it, unless a new check comes first)</span>
    </>
  );
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
