import { redirect } from "next/navigation";
import type { Metadata } from "next";
import { guardPage } from "@/lib/staff/guard";
import { resolveLookup } from "@/lib/records";
import { PageHeader } from "../_ui/kit";
import { NoticePage } from "../_ui/notice";
import { LookupForm } from "./lookup-form";

export const metadata: Metadata = { title: "Look up" };

/**
 * The header's search box: a reference code read out by a person goes to its
 * attempt; a record id, Auth0 user id, email, provider uuid or person id goes
 * to the records list searched for it; anything else says so plainly.
 */
export default async function LookupPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const raw = params.ref;
  const term = (Array.isArray(raw) ? raw[0] : raw)?.trim() ?? "";
  await guardPage("support", term ? `/admin/lookup?ref=${encodeURIComponent(term)}` : "/admin/lookup");

  if (!term) {
    return (
      <div className="mx-auto max-w-lg">
        <PageHeader title="Look up" description="Find an attempt by the reference code a person reads out, or a record by an identifier." />
        <LookupForm />
      </div>
    );
  }

  const target = await resolveLookup(term);
  if (target.kind === "attempt") redirect(`/admin/attempts/${target.referenceCode}`);
  if (target.kind === "search") redirect(`/admin/records?q=${encodeURIComponent(target.q)}`);

  return (
    <NoticePage
      title={target.referenceCode ? "No attempt with that reference code" : "Nothing found"}
      form={<LookupForm value={term} />}
      next={{ href: "/admin/records", label: "Browse the records" }}
      testId="lookup-not-found"
    >
      {target.referenceCode ? (
        <>
          No attempt has the reference code <code className="font-mono font-semibold">{target.referenceCode}</code>
          {target.referenceCode !== term.toUpperCase() ? <> (read from “{term}”)</> : null}. Check it with the person: codes are shown on
          the page where their verification stopped.
        </>
      ) : (
        <>
          “{term}” is not a reference code (they look like <code className="font-mono">IDV-7K3M-Q9XZ</code>), and no record has it as its
          id, Auth0 user id, email, provider uuid or person id.
        </>
      )}
    </NoticePage>
  );
}
