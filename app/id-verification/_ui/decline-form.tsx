import { buttonSecondary } from "./shell";

/** "Not now" / "Back without verifying": on a required application, the warning it is tied to comes first. */
export function DeclineForm({ warning, label }: { warning: string | null; label: string }) {
  return (
    <>
      {warning ? (
        <p className="mt-4 text-sm text-amber-900 dark:text-amber-200" id="required-warning" data-testid="required-warning">
          {warning}
        </p>
      ) : null}
      <form method="post" action="/id-verification/decline" className="mt-3">
        <button type="submit" className={buttonSecondary} aria-describedby={warning ? "required-warning" : undefined}>
          {label}
        </button>
      </form>
    </>
  );
}
