import { btn, input } from "../_ui/kit";

/** The lookup box again (GET /admin/lookup?ref=…), for pages that found nothing. */
export function LookupForm({ value = "" }: { value?: string }) {
  return (
    <form action="/admin/lookup" method="get" role="search" aria-label="Look up an attempt or record" className="space-y-2">
      <label htmlFor="lookup-ref" className="block text-sm font-medium text-slate-800">
        Reference code, record id, Auth0 user id or email
      </label>
      <div className="flex flex-col gap-2 sm:flex-row">
        <input
          id="lookup-ref"
          name="ref"
          defaultValue={value}
          placeholder="IDV-7K3M-Q9XZ"
          autoComplete="off"
          spellCheck={false}
          autoFocus
          className={input}
        />
        <button type="submit" className={btn.primary}>
          Find
        </button>
      </div>
    </form>
  );
}
