"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

export interface NavItem {
  href: string;
  label: string;
}

/** The staff navigation: the section of the page shown is marked aria-current="page". */
export function StaffNav({ items }: { items: readonly NavItem[] }) {
  const path = usePathname() ?? "";
  return (
    <nav aria-label="Admin" className="flex flex-wrap gap-1 text-sm">
      {items.map((n) => {
        const current = path === n.href || path.startsWith(`${n.href}/`);
        return (
          <Link
            key={n.href}
            href={n.href}
            aria-current={current ? "page" : undefined}
            className={`rounded-md px-2.5 py-1.5 ${current ? "bg-brand-50 font-semibold text-brand-900 ring-1 ring-brand-100" : "text-slate-700 hover:bg-slate-100"}`}
          >
            {n.label}
          </Link>
        );
      })}
    </nav>
  );
}
