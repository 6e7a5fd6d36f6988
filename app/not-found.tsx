import type { Metadata } from "next";
import Link from "next/link";
import { getTranslations } from "next-intl/server";
import { Shell } from "./id-verification/_ui/shell";

export async function generateMetadata(): Promise<Metadata> {
  return { title: (await getTranslations("notFound"))("meta") };
}

// Any address the portal does not know: the portal's frame, in the person's language.
export default async function NotFound() {
  const t = await getTranslations("notFound");
  return (
    <Shell>
      <h1 className="text-2xl font-semibold tracking-tight">{t("title")}</h1>
      <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">{t("body")}</p>
      <p className="mt-6">
        <Link href="/" className="font-medium text-brand-700 underline dark:text-brand-100">
          {t("home")}
        </Link>
      </p>
    </Shell>
  );
}
