import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { currentAttempt } from "@/lib/flow/http";
import { applicationName, providerNameFor, purpose } from "@/lib/flow/view";
import { Shell, buttonPrimary, buttonSecondary } from "../_ui/shell";

export const metadata: Metadata = { title: "Verify to continue" };

// Why verification is asked, for which account and application, and the choice: verify with the provider, or not now.
export default async function ConsentPage() {
  const attempt = await currentAttempt();
  if (!attempt || attempt.status !== "started") redirect("/id-verification/outcome");
  const name = (await applicationName(attempt)) ?? attempt.appLabel;
  const provider = await providerNameFor(attempt.provider);
  return (
    <Shell reference={attempt.referenceCode}>
      <h1 className="text-2xl font-semibold tracking-tight">Verify to continue</h1>
      <p className="mt-3 leading-relaxed text-slate-700">
        <strong>{name ?? "The application"}</strong> asks you to {purpose(attempt)} before you continue. {provider} does the check; this
        portal keeps the result so you are not asked again every time.
      </p>
      {attempt.accountHint ? (
        <div className="mt-4 rounded-lg border border-slate-200 bg-slate-50 p-3 text-sm text-slate-700" data-testid="account-hint">
          <p>
            You are verifying the account <strong className="font-mono text-slate-900">{attempt.accountHint}</strong>
            {name ? (
              <>
                {" "}
                for <strong className="text-slate-900">{name}</strong>
              </>
            ) : null}
            .
          </p>
          <p className="mt-1">If this is not your account, do not continue: choose “Not now” and sign in to the application yourself.</p>
        </div>
      ) : null}
      <ul className="mt-4 list-disc space-y-1 pl-5 text-sm text-slate-600">
        <li>You will sign in to {provider} (or create an account) in this window.</li>
        <li>{provider} asks you before it shares anything with the application.</li>
        <li>Afterwards you come straight back to {name ?? "the application"}.</li>
      </ul>
      <form method="post" action="/id-verification/start" className="mt-6">
        <button type="submit" className={buttonPrimary} autoFocus>
          Verify with {provider}
        </button>
      </form>
      <form method="post" action="/id-verification/decline" className="mt-3">
        <button type="submit" className={buttonSecondary}>
          Not now
        </button>
      </form>
    </Shell>
  );
}
