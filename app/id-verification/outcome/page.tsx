import type { Metadata } from "next";
import { currentAttempt } from "@/lib/flow/http";
import { applicationName, outcomeText } from "@/lib/flow/view";
import { TERMINAL } from "@/lib/flow/states";
import { auth0TransactionExpired, expiredTransactionText } from "@/lib/flow/auth0-transaction";
import { Shell, buttonPrimary } from "../_ui/shell";

export const metadata: Metadata = { title: "Verification result" };

const TONE = {
  ok: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  error: "bg-rose-50 text-rose-800 ring-rose-200",
};

// The end of every unsuccessful trip: what happened, the reference code, and the way back.
export default async function OutcomePage() {
  const attempt = await currentAttempt();
  if (!attempt) {
    return (
      <Shell>
        <h1 className="text-2xl font-semibold tracking-tight">No verification in progress</h1>
        <p className="mt-3 text-slate-700">Go back to the application and sign in again to start a verification.</p>
      </Shell>
    );
  }
  // Auth0's one-hour transaction is over: no way back to /continue, sign in again instead.
  const expired = TERMINAL.has(attempt.status) && auth0TransactionExpired(attempt);
  const text = expired ? expiredTransactionText(attempt) : outcomeText(attempt);
  const canReturn = !expired && Boolean(attempt.auth0State) && TERMINAL.has(attempt.status);
  const app = (await applicationName(attempt)) ?? attempt.appLabel;
  return (
    <Shell reference={attempt.referenceCode}>
      <div className={`mb-4 inline-flex rounded-full px-3 py-1 text-sm font-medium ring-1 ${TONE[text.tone]}`} role="status">
        {attempt.status === "verified"
          ? "Verified"
          : attempt.status === "declined"
            ? "Cancelled"
            : attempt.status === "failed"
              ? "Not verified"
              : attempt.status === "error"
                ? "Error"
                : "In progress"}
      </div>
      <h1 className="text-2xl font-semibold tracking-tight">{text.title}</h1>
      <p className="mt-3 leading-relaxed text-slate-700">{text.body}</p>
      {canReturn ? (
        <form method="post" action="/id-verification/resume" className="mt-6">
          <button type="submit" className={buttonPrimary} autoFocus>
            Back to {app ?? "the application"}
          </button>
        </form>
      ) : attempt.status !== "started" && TERMINAL.has(attempt.status) ? (
        <p className="mt-6 rounded-lg bg-slate-100 p-3 text-sm text-slate-700" data-testid="sign-in-again">
          Close this page and sign in to the application again.
        </p>
      ) : null}
    </Shell>
  );
}
