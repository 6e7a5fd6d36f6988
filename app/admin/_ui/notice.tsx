import Link from "next/link";

/**
 * A page that only says something plainly (not found, not allowed): a heading, what
 * happened and what to do, an optional form, and a link onwards.
 */
export function NoticePage({
  title,
  children,
  form,
  next,
  testId,
}: {
  title: React.ReactNode;
  children: React.ReactNode;
  /** e.g. the look-up form, to try again at once */
  form?: React.ReactNode;
  next: { href: string; label: string };
  testId?: string;
}) {
  return (
    <div className="mx-auto max-w-lg rounded-xl border border-slate-200 bg-white p-6" data-testid={testId}>
      <h1 className="text-xl font-semibold">{title}</h1>
      <p className="mt-2 text-slate-700">{children}</p>
      {form ? <div className="mt-4">{form}</div> : null}
      <p className={form ? "mt-4 text-sm" : "mt-4"}>
        <Link href={next.href} className="underline">
          {next.label}
        </Link>
      </p>
    </div>
  );
}
