"use client";

// A page that failed to render: the portal's frame and a way to try again (no details: they may hold personal data).
// Client-side, so its words come from both catalogues by the page's language.
import en from "@/messages/en.json";
import es from "@/messages/es.json";

export default function ErrorPage({ reset }: { error: Error & { digest?: string }; reset: () => void }) {
  // Staff pages stay English; a person's page follows the browser's language.
  const person = typeof location !== "undefined" && !location.pathname.startsWith("/admin");
  const lang = person && typeof navigator !== "undefined" && navigator.language.toLowerCase().startsWith("es") ? "es" : "en";
  const m = (lang === "es" ? es : en).error;
  return (
    <div className="flex min-h-screen flex-col items-center bg-slate-50 px-4 py-16 dark:bg-slate-950">
      <main className="w-full max-w-md rounded-2xl border border-slate-200 bg-white p-6 shadow-sm sm:p-8 dark:border-slate-700 dark:bg-slate-900 dark:text-slate-100">
        <h1 className="text-2xl font-semibold tracking-tight">{m.title}</h1>
        <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">{m.body}</p>
        <button
          type="button"
          onClick={reset}
          className="mt-6 inline-flex w-full items-center justify-center rounded-lg bg-brand-600 px-4 py-3 font-semibold text-white hover:bg-brand-700"
        >
          {m.retry}
        </button>
      </main>
    </div>
  );
}
