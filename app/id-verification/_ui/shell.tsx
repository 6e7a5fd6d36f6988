import { getLocale, getTranslations } from "next-intl/server";
import { NO_BRANDING, supportHref, type Branding } from "@/lib/flow/branding";
import { LOCALES } from "@/lib/flow/locale";
import { CopyButton } from "./copy-button";

/** The application a page is about: its name and branding (lib/flow/view.ts `applicationView`). */
export interface AppView {
  name: string | null;
  branding: Branding;
}

const LANGUAGE_NAMES: Record<(typeof LOCALES)[number], string> = { en: "English", es: "Español" };

/**
 * The frame of every page a person sees during a login: the application's logo or the
 * portal's mark, the card, the reference code (with a copy button), help and privacy
 * links, the language switch and the footer. `path`: where the language switch returns to.
 */
export async function Shell({
  children,
  reference,
  app,
  path = "/",
}: {
  children: React.ReactNode;
  reference?: string;
  app?: AppView;
  path?: string;
}) {
  const t = await getTranslations("shell");
  const locale = await getLocale();
  const branding = app?.branding ?? NO_BRANDING;
  const style = branding.accentColor ? ({ "--accent": branding.accentColor } as React.CSSProperties) : undefined;
  return (
    <div
      lang={locale}
      style={style}
      className="flex min-h-screen flex-col items-center bg-slate-50 px-4 py-8 text-slate-900 sm:py-16 dark:bg-slate-950 dark:text-slate-100"
    >
      <header className="mb-6 flex items-center gap-2 text-brand-900 dark:text-slate-100">
        {branding.logoUrl ? (
          // eslint-disable-next-line @next/next/no-img-element -- an admin-set https or data: image; next/image would fetch it
          <img
            src={branding.logoUrl}
            alt={t("logoAlt", { app: app?.name ?? "" })}
            className="h-10 max-w-48 object-contain"
            data-testid="app-logo"
          />
        ) : (
          <svg aria-hidden="true" viewBox="0 0 24 24" className="h-7 w-7 fill-[var(--accent,var(--color-brand-600))] dark:fill-brand-100">
            <path d="M12 2 4 5v6c0 5 3.4 9.7 8 11 4.6-1.3 8-6 8-11V5l-8-3Zm-1.2 14.2-3.5-3.5 1.4-1.4 2.1 2.1 4.9-4.9 1.4 1.4-6.3 6.3Z" />
          </svg>
        )}
        <span className="text-lg font-semibold tracking-tight">{app?.name ?? t("portal")}</span>
      </header>
      <main className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-700 dark:bg-slate-900">
        {children}
      </main>
      {reference ? (
        <p className="mt-4 text-sm text-slate-600 dark:text-slate-300">
          {t("reference")}{" "}
          <span className="font-mono font-semibold text-slate-900 select-all dark:text-slate-50" data-testid="reference-code">
            {reference}
          </span>
          <CopyButton text={reference} label={t("copy")} done={t("copied")} />
        </p>
      ) : null}
      {branding.supportContact || branding.privacyUrl ? (
        <nav aria-label={t("helpGeneric")} className="mt-4 flex gap-4 text-sm">
          {branding.supportContact ? (
            <a
              className="font-medium text-brand-700 underline dark:text-brand-100"
              href={supportHref(branding.supportContact)}
              data-testid="app-support"
            >
              {app?.name ? t("help", { app: app.name }) : t("helpGeneric")}
            </a>
          ) : null}
          {branding.privacyUrl ? (
            <a className="font-medium text-brand-700 underline dark:text-brand-100" href={branding.privacyUrl} data-testid="app-privacy">
              {t("privacy")}
            </a>
          ) : null}
        </nav>
      ) : null}
      <form method="post" action="/id-verification/language" className="mt-6 flex items-center gap-2 text-sm" data-testid="language-switch">
        <input type="hidden" name="back" value={path} />
        <span className="text-slate-600 dark:text-slate-300">{t("language")}:</span>
        {LOCALES.map((l) => (
          <button
            key={l}
            type="submit"
            name="locale"
            value={l}
            lang={l}
            aria-current={l === locale ? "true" : undefined}
            className="rounded px-2 py-1 font-medium text-brand-700 underline aria-[current=true]:font-bold aria-[current=true]:no-underline dark:text-brand-100"
          >
            {LANGUAGE_NAMES[l]}
          </button>
        ))}
      </form>
      <footer className="mt-6 max-w-md text-center text-xs text-slate-600 dark:text-slate-400">{t("footer")}</footer>
    </div>
  );
}

export const buttonPrimary =
  "inline-flex w-full items-center justify-center rounded-lg bg-[var(--accent,var(--color-brand-600))] px-4 py-3 text-base font-semibold text-white hover:brightness-90 focus-visible:outline-offset-2";
export const buttonSecondary =
  "inline-flex w-full items-center justify-center rounded-lg border border-slate-300 bg-white px-4 py-3 text-base font-medium text-slate-800 hover:bg-slate-50 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 dark:hover:bg-slate-800";
