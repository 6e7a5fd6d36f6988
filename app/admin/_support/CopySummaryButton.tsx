"use client";

import { startTransition, useActionState, useId, useState } from "react";
import { recordSummaryCopied } from "./actions";
import { btn } from "../_ui/kit";

/**
 * "Copy summary": copies the troubleshooting summary (built on the server,
 * already masked for the viewer's role) to the clipboard and writes the copy
 * to the audit log. Where the clipboard is not available (plain http), the
 * text is shown selected so it can be copied by hand.
 */
export function CopySummaryButton({ reference, summary }: { reference: string; summary: string }) {
  const [state, record, pending] = useActionState(recordSummaryCopied, null);
  const [copy, setCopy] = useState<"idle" | "copied" | "manual">("idle");
  const id = useId();

  async function onCopy() {
    let ok = false;
    try {
      if (navigator.clipboard && window.isSecureContext) {
        await navigator.clipboard.writeText(summary);
        ok = true;
      }
    } catch {
      ok = false;
    }
    setCopy(ok ? "copied" : "manual");
    const form = new FormData();
    form.set("reference", reference);
    startTransition(() => record(form));
    if (!ok) {
      const area = document.getElementById(`${id}-text`) as HTMLTextAreaElement | null;
      area?.closest("details")?.setAttribute("open", "");
      area?.focus();
      area?.select();
    }
  }

  return (
    <div className="space-y-2">
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" onClick={onCopy} disabled={pending} className={btn.secondary} aria-describedby={`${id}-status`}>
          Copy summary for a ticket
        </button>
        <span id={`${id}-status`} role="status" aria-live="polite" className="text-sm text-slate-600">
          {copy === "copied"
            ? "Copied. Paste it into the ticket."
            : copy === "manual"
              ? "Select the text below and copy it (Ctrl+C / ⌘C)."
              : ""}
          {state && !state.ok ? <span className="text-rose-700"> {state.error.message}</span> : null}
        </span>
      </div>
      <details className="text-sm">
        <summary className="cursor-pointer text-brand-700 underline decoration-brand-100 underline-offset-2">Show the summary</summary>
        <label htmlFor={`${id}-text`} className="sr-only">
          Troubleshooting summary
        </label>
        <textarea
          id={`${id}-text`}
          readOnly
          value={summary}
          rows={Math.min(24, summary.split("\n").length + 1)}
          className="mt-2 block w-full rounded-md border border-slate-300 bg-slate-50 p-2 font-mono text-xs"
          onCopy={() => {
            if (copy !== "copied") {
              const form = new FormData();
              form.set("reference", reference);
              startTransition(() => record(form));
              setCopy("copied");
            }
          }}
        />
      </details>
    </div>
  );
}
