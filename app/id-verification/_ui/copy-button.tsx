"use client";

import { useState, useSyncExternalStore } from "react";

const noSubscription = () => () => {};

/** Copies the reference code; shown only where it can work (JavaScript and the clipboard). */
export function CopyButton({ text, label, done }: { text: string; label: string; done: string }) {
  // false on the server and without a clipboard; true once in a browser that has one.
  const ready = useSyncExternalStore(
    noSubscription,
    () => Boolean(navigator.clipboard),
    () => false,
  );
  const [copied, setCopied] = useState(false);
  if (!ready) return null;
  return (
    <button
      type="button"
      className="ml-2 rounded border border-slate-300 px-2 py-0.5 text-xs font-medium text-slate-800 hover:bg-slate-100 dark:border-slate-600 dark:text-slate-100 dark:hover:bg-slate-800"
      onClick={() =>
        navigator.clipboard.writeText(text).then(
          () => setCopied(true),
          () => setCopied(false),
        )
      }
      data-testid="copy-reference"
    >
      <span aria-live="polite">{copied ? done : label}</span>
    </button>
  );
}
