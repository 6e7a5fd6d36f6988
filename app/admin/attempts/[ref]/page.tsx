import Link from "next/link";
import { notFound, redirect } from "next/navigation";
import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import { normalizeReferenceCode } from "@/lib/flow/reference";
import { applicationNames, findAttemptByReference } from "@/lib/records";
import { Badge, Card, PageHeader } from "../../_ui/kit";
import { ApplicationValue, BackToRecords, Facts, Mono, SearchLink, Timeline, failureEvent, stepLabel } from "../_components/attempt-parts";
import { explain } from "@/lib/support/explanations";
import { identityHref } from "@/lib/insight/links";
import { Time } from "../../_ui/time";
import { CopySummary } from "@/app/admin/_support/CopySummary";

const WHO = {
  person: "the person can fix this",
  support: "support can fix this",
  admin: "an admin must fix this",
  provider: "on the provider's side",
  developer: "for the developers",
} as const;

export const metadata: Metadata = { title: "Attempt" };

export default async function AttemptPage({ params }: { params: Promise<{ ref: string }> }) {
  const { ref: rawRef } = await params;
  const typed = safeDecode(rawRef);
  const canonical = normalizeReferenceCode(typed);
  const staff = await guardPage("support", `/admin/attempts/${encodeURIComponent(canonical ?? typed)}`);
  if (!canonical) notFound();
  // One address per attempt: idv-7k3m-q9xz → IDV-7K3M-Q9XZ.
  if (canonical !== typed) redirect(`/admin/attempts/${canonical}`);
  const attempt = await findAttemptByReference(canonical);
  if (!attempt) notFound();
  const apps = await applicationNames();
  const appName = attempt.auth0ClientId ? apps.get(attempt.auth0ClientId) : undefined;
  const failure = failureEvent(attempt);
  const explanation = explain(attempt.failureCode);

  return (
    <div className="space-y-6">
      <BackToRecords />
      <PageHeader
        title={`Attempt ${attempt.referenceCode}`}
        description={
          <>
            Started <Time value={attempt.createdAt} />
          </>
        }
      >
        <Badge value={attempt.status} />
      </PageHeader>

      <section
        data-testid="explanation"
        data-failure-code={attempt.failureCode ?? undefined}
        aria-labelledby="explanation-heading"
        className={`rounded-xl border p-4 sm:p-6 ${attempt.failureCode ? "border-rose-200 bg-rose-50" : "border-slate-200 bg-white"}`}
      >
        <h2 id="explanation-heading" className="text-base font-semibold">
          {attempt.failureCode ? "What went wrong" : "Outcome"}
        </h2>
        {attempt.failureCode ? (
          <div className="mt-2 space-y-1 text-sm">
            <p>
              Failed at <strong>{stepLabel(attempt.failureStep ?? "")}</strong>
              {attempt.failureStep ? (
                <>
                  {" "}
                  (<Mono>{attempt.failureStep}</Mono>)
                </>
              ) : null}{" "}
              with code{" "}
              <code className="rounded bg-white px-1.5 py-0.5 font-mono text-rose-800 ring-1 ring-rose-200">{attempt.failureCode}</code>.
            </p>
            {explanation ? (
              <>
                <p className="pt-2 text-base text-slate-900" data-testid="explanation-what">
                  {explanation.what}
                </p>
                <p className="text-slate-900" data-testid="explanation-next">
                  <strong>What to do: </strong>
                  {explanation.next} <span className="text-slate-600">({WHO[explanation.who]})</span>
                </p>
              </>
            ) : null}
            {attempt.failureCode === "uuid_linked_to_other_user" && attempt.providerUuid ? (
              <p className="pt-1">
                <Link
                  href={identityHref(attempt.provider, attempt.providerUuid)}
                  className="font-medium text-brand-700 underline"
                  data-testid="linked-identity"
                >
                  See both accounts side by side (move or unlink the identity)
                </Link>
              </p>
            ) : null}
            {failure?.errorDescription ? (
              <p className="pt-1 text-slate-700">
                Technical detail: <span className="font-mono text-xs">{failure.errorDescription}</span>
              </p>
            ) : null}
          </div>
        ) : (
          <p className="mt-2 text-sm text-slate-700">{outcomeText(attempt.status)}</p>
        )}
      </section>

      <CopySummary attempt={attempt} role={staff.role} />

      <Card title="Details">
        <Facts
          items={[
            ["Reference code", <Mono key="r">{attempt.referenceCode}</Mono>],
            ["Status", <Badge key="s" value={attempt.status} />],
            [
              "Return status for Auth0",
              attempt.returnStatus ? (
                <span key="rs">
                  <Mono>{attempt.returnStatus}</Mono>
                  {attempt.resumedAt ? null : <span className="text-slate-500"> (the login was not resumed yet)</span>}
                </span>
              ) : (
                "— (not decided yet)"
              ),
            ],
            ["Failure step", attempt.failureStep ? <Mono key="fs">{attempt.failureStep}</Mono> : "—"],
            ["Failure code", attempt.failureCode ? <Mono key="fc">{attempt.failureCode}</Mono> : "—"],
            ["Application", <ApplicationValue key="a" clientId={attempt.auth0ClientId} name={appName} />],
            ["Auth0 user id", <SearchLink key="u" q={attempt.auth0UserId} title="Records of this Auth0 user" />],
            ["Provider", attempt.provider === "idme" ? "ID.me" : attempt.provider],
            ["Policy", `${attempt.policy}${attempt.requiredGroup ? ` (group ${attempt.requiredGroup})` : ""}`],
            [
              "Scopes",
              attempt.scopes.length ? (
                <span key="sc" className="flex flex-wrap gap-1">
                  {attempt.scopes.map((s) => (
                    <code key={s} className="break-all rounded bg-slate-100 px-1.5 py-0.5 text-xs">
                      {s}
                    </code>
                  ))}
                </span>
              ) : (
                "—"
              ),
            ],
            ["Created", <Time key="t-created" value={attempt.createdAt} />],
            ["Updated", <Time key="t-updated" value={attempt.updatedAt} />],
            ["Checked at the provider", <Time key="t-checkedatthe" value={attempt.checkedAt} />],
            ["Resumed at Auth0", <Time key="t-resumedataut" value={attempt.resumedAt} />],
            [
              "Record",
              attempt.record ? (
                <Link key="rec" href={`/admin/records/${encodeURIComponent(attempt.record.id)}`} className="text-brand-700 underline">
                  <Mono>{attempt.record.id}</Mono> ({attempt.record.status.replace(/_/g, " ")})
                </Link>
              ) : (
                "none (the attempt ended before the provider answered)"
              ),
            ],
          ]}
        />
      </Card>

      <Card title="Timeline">
        <Timeline events={attempt.events} />
      </Card>
    </div>
  );
}

function outcomeText(status: string): string {
  switch (status) {
    case "verified":
      return "The person was verified and the login went back to Auth0 with success.";
    case "started":
      return "The person arrived from Auth0 and has not gone on to the provider (yet).";
    case "at_provider":
      return "The person was sent to the provider and has not come back (yet).";
    case "returned":
      return "The person came back from the provider; the result was not decided.";
    default:
      return `The attempt ended with status ${status.replace(/_/g, " ")}.`;
  }
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
