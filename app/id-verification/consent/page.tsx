import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getFormatter, getTranslations } from "next-intl/server";
import { currentAttempt } from "@/lib/flow/http";
import { applicationView, askedAgain, groupStatus, providerNameFor, purposeText } from "@/lib/flow/view";
import { Shell, buttonPrimary } from "../_ui/shell";
import { DeclineForm } from "../_ui/decline-form";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("consent"))("meta") };
}

const AGAIN = {
  revoked: "againRevoked",
  expired: "againExpired",
  interval: "againInterval",
  always: "againAlways",
  notVerified: "againNotVerified",
} as const;

// Why verification is asked, for which account and application, what it takes, and the
// choice: verify with the provider, or not now (warned on an application that requires it).
export default async function ConsentPage() {
  const attempt = await currentAttempt();
  if (!attempt || attempt.status !== "started") redirect("/id-verification/outcome");
  const t = await getTranslations();
  const format = await getFormatter();
  const [app, provider, again] = await Promise.all([applicationView(attempt), providerNameFor(attempt.provider), askedAgain(attempt)]);
  const appName = app.name ?? t("consent.theApplication");
  const rich = {
    strong: (c: React.ReactNode) => <strong className="text-slate-900 dark:text-white">{c}</strong>,
    mono: (c: React.ReactNode) => <strong className="font-mono text-slate-900 dark:text-white">{c}</strong>,
  };
  return (
    <Shell reference={attempt.referenceCode} app={app} path="/id-verification/consent">
      <h1 className="text-2xl font-semibold tracking-tight">{t("consent.title")}</h1>
      <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">
        {t.rich("consent.intro", { ...rich, app: appName, purpose: purposeText(t, attempt), provider })}
      </p>
      {again ? (
        <p
          className="mt-3 rounded-lg bg-brand-50 p-3 text-sm text-brand-900 dark:bg-slate-800 dark:text-slate-100"
          data-testid="asked-again"
        >
          {t(`consent.${AGAIN[again.reason]}`, {
            app: appName,
            hours: again.hours,
            date: format.dateTime(again.at, { dateStyle: "long", timeZone: "UTC" }),
          })}
        </p>
      ) : null}
      {attempt.accountHint ? (
        <div
          className="mt-4 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700 dark:border-slate-700 dark:bg-slate-800 dark:text-slate-200"
          data-testid="account-hint"
        >
          <p>
            {app.name
              ? t.rich("consent.accountHint", { ...rich, hint: attempt.accountHint, app: app.name })
              : t.rich("consent.accountHintNoApp", { ...rich, hint: attempt.accountHint })}
          </p>
          <p className="mt-1">{app.required ? t("consent.notYoursRequired") : t("consent.notYours")}</p>
        </div>
      ) : null}
      <ul className="mt-4 list-disc space-y-1 pl-5 text-sm text-slate-600 dark:text-slate-300">
        <li>{t("consent.stepSignIn", { provider })}</li>
        <li>{t("consent.stepAsk", { provider })}</li>
        <li>{t("consent.stepBack", { app: app.name ?? t("outcome.theApplication") })}</li>
      </ul>
      <details className="mt-4 text-sm text-slate-700 dark:text-slate-200" data-testid="what-you-need">
        <summary className="cursor-pointer font-medium">{t("consent.needTitle")}</summary>
        <ul className="mt-2 list-disc space-y-1 pl-5">
          <li>
            {attempt.policy === "community"
              ? t("consent.needCommunity", { provider, group: groupStatus(t, attempt.requiredGroup) })
              : t("consent.needIdentity", { provider })}
          </li>
          <li>{t("consent.needTime", { provider })}</li>
        </ul>
      </details>
      <form method="post" action="/id-verification/start" className="mt-6">
        <button type="submit" className={buttonPrimary} autoFocus>
          {t("consent.verify", { provider })}
        </button>
      </form>
      <DeclineForm
        warning={app.required ? t("consent.requiredWarning", { app: appName }) : null}
        label={app.required ? t("consent.notNowRequired", { app: appName }) : t("consent.notNow")}
      />
    </Shell>
  );
}
