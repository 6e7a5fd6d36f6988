/** The frame of every page a person sees during a login: brand, card, footer. */
export function Shell({ children, reference }: { children: React.ReactNode; reference?: string }) {
  return (
    <div className="flex min-h-screen flex-col items-center px-4 py-8 sm:py-16">
      <header className="mb-6 flex items-center gap-2 text-brand-900">
        <svg aria-hidden="true" viewBox="0 0 24 24" className="h-7 w-7 fill-brand-600">
          <path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z" />
        </svg>
        <span className="text-lg font-semibold tracking-tight">Identity Verification Portal</span>
      </header>
      <main className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8">{children}</main>
      {reference ? (
        <p className="mt-4 text-sm text-slate-600">
          Reference code:{" "}
          <span className="font-mono font-semibold text-slate-900" data-testid="reference-code">
            {reference}
          </span>
        </p>
      ) : null}
      <footer className="mt-8 max-w-md text-center text-xs text-slate-500">
        This page is part of the sign-in of the application you came from. It never asks for your password.
      </footer>
    </div>
  );
}

export const buttonPrimary =
  "inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-4 py-3 text-base font-semibold text-white hover:bg-brand-700 focus-visible:outline-offset-2";
export const buttonSecondary =
  "inline-flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-3 text-base font-medium text-slate-800 hover:bg-slate-50";
