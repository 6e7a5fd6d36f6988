import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { getTranslations } from "next-intl/server";
import { canRetry } from "@/lib/flow";
import { currentAttempt } from "@/lib/flow/http";
import { applicationView, failureView, groupStatus, providerNameFor, type Tone } from "@/lib/flow/view";
import { TERMINAL } from "@/lib/flow/states";
import { auth0TransactionExpired, minutesLeft } from "@/lib/flow/auth0-transaction";
import { supportHref } from "@/lib/flow/branding";
import { Shell, buttonPrimary, buttonSecondary } from "../_ui/shell";
import { DeclineForm } from "../_ui/decline-form";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("outcome"))("meta") };
}

const TONE: Record<Tone, string> = {
  ok: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  error: "bg-rose-50 text-rose-800 ring-rose-200",
};

const BADGE = { verified: "badgeVerified", declined: "badgeCancelled", failed: "badgeNotVerified", error: "badgeError" } as const;

const PATH = "/id-verification/outcome";

// Where a person lands when the verification did not simply succeed: what happened in their
// words, what to do next, help, the reference code, and the ways on (back to the application,
// try again, or, back from the provider unfinished: continue there, start again, go back).
export default async function OutcomePage() {
  const attempt = await currentAttempt();
  const t = await getTranslations();
  if (!attempt) {
    return (
      <Shell path={PATH}>
        <h1 className="text-2xl font-semibold tracking-tight">{t("outcome.noneTitle")}</h1>
        <p className="mt-3 text-slate-700 dark:text-slate-200">{t("outcome.noneBody")}</p>
      </Shell>
    );
  }
  if (attempt.status === "started") redirect("/id-verification/consent");
  const [app, provider] = await Promise.all([applicationView(attempt), providerNameFor(attempt.provider)]);
  const appName = app.name ?? t("outcome.theApplication");

  if (!TERMINAL.has(attempt.status)) {
    return (
      <Shell reference={attempt.referenceCode} app={app} path={PATH}>
        <div className={`mb-4 inline-flex rounded-full px-3 py-1 text-sm font-medium ring-1 ${TONE.warn}`} role="status">
          {t("outcome.badgeInProgress")}
        </div>
        {attempt.status === "returned" ? (
          <>
            <h1 className="text-2xl font-semibold tracking-tight">{t("waiting.title", { provider })}</h1>
            <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">{t("pending.checking", { provider })}</p>
            <a href={PATH} className={`${buttonSecondary} mt-6`}>
              {t("waiting.button")}
            </a>
          </>
        ) : (
          <>
            <h1 className="text-2xl font-semibold tracking-tight">{t("pending.title", { provider })}</h1>
            <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">{t("pending.body", { provider, app: appName })}</p>
            <form method="post" action="/id-verification/start" className="mt-6">
              <button type="submit" className={buttonPrimary} autoFocus>
                {t("pending.continueAt", { provider })}
              </button>
            </form>
            <form method="post" action="/id-verification/restart" className="mt-3">
              <button type="submit" className={buttonSecondary}>
                {t("pending.startAgain")}
              </button>
            </form>
            <DeclineForm
              warning={app.required ? t("pending.requiredNote", { app: appName }) : null}
              label={t("pending.backToApp", { app: appName })}
            />
            <p className="mt-4 text-sm text-slate-600 dark:text-slate-300">{t("pending.until", { minutes: minutesLeft(attempt) })}</p>
          </>
        )}
      </Shell>
    );
  }

  // Auth0's one-hour transaction is over: no way back to /continue, sign in again instead.
  const expired = auth0TransactionExpired(attempt);
  const view = attempt.status === "verified" && !expired ? null : failureView(attempt, { required: app.required, expired });
  const canReturn = !expired && Boolean(attempt.auth0State);
  const retry = canRetry(attempt);
  const values = { provider, app: appName, group: groupStatus(t, attempt.requiredGroup) };
  const next = view
    ? view.key === "expired" && attempt.status === "verified"
      ? t("failure.expired.nextVerified")
      : t(`failure.${view.key}.next`, values)
    : null;
  return (
    <Shell reference={attempt.referenceCode} app={app} path={PATH}>
      <div className={`mb-4 inline-flex rounded-full px-3 py-1 text-sm font-medium ring-1 ${TONE[view?.tone ?? "ok"]}`} role="status">
        {expired ? t("outcome.badgeExpired") : t(`outcome.${BADGE[attempt.status as keyof typeof BADGE]}`)}
      </div>
      <h1 className="text-2xl font-semibold tracking-tight" data-testid="outcome-title">
        {view ? t(`failure.${view.key}.title`, values) : t("outcome.verifiedTitle")}
      </h1>
      <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200" data-testid="outcome-body">
        {view ? t(`failure.${view.key}.body`, values) : t("outcome.verifiedBody")}
      </p>
      {next ? (
        <div className="mt-4 rounded-lg border border-slate-200 p-3 dark:border-slate-700" data-testid="next-step">
          <h2 className="text-sm font-semibold">{t("outcome.nextStep")}</h2>
          <p className="mt-1 text-sm text-slate-700 dark:text-slate-200">{next}</p>
          {app.branding.supportContact && view?.tone === "error" ? (
            <p className="mt-2 text-sm text-slate-700 dark:text-slate-200">
              <a
                className="font-medium text-brand-700 underline dark:text-brand-100"
                href={supportHref(app.branding.supportContact)}
                data-testid="contact-support"
              >
                {app.name ? t("outcome.contactSupport", { app: app.name }) : t("outcome.contactSupportGeneric")}
              </a>
              . {t("outcome.supportWithCode")}
            </p>
          ) : null}
        </div>
      ) : null}
      {retry ? (
        <form method="post" action="/id-verification/retry" className="mt-6">
          <button type="submit" className={buttonPrimary} autoFocus>
            {t("outcome.tryAgain")}
          </button>
        </form>
      ) : null}
      {canReturn ? (
        <form method="post" action="/id-verification/resume" className={retry ? "mt-3" : "mt-6"}>
          <button type="submit" className={retry ? buttonSecondary : buttonPrimary} autoFocus={!retry}>
            {t("outcome.back", { app: appName })}
          </button>
        </form>
      ) : (
        <p
          className="mt-6 rounded-lg bg-slate-100 p-3 text-sm text-slate-700 dark:bg-slate-800 dark:text-slate-200"
          data-testid="sign-in-again"
        >
          {t("outcome.signInAgain")}
        </p>
      )}
    </Shell>
  );
}
