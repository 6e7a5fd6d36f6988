import type { Metadata } from "next";
import { getTranslations } from "next-intl/server";
import { Shell } from "./id-verification/_ui/shell";

export async function generateMetadata(): Promise<Metadata> {
  return { title: { absolute: (await getTranslations("home"))("meta") } };
}

// The portal's address on its own: what this service is, in the person's language.
export default async function Home() {
  const t = await getTranslations("home");
  return (
    <Shell>
      <h1 className="text-2xl font-semibold tracking-tight">{t("title")}</h1>
      <p className="mt-3 leading-relaxed text-slate-700 dark:text-slate-200">{t("body")}</p>
    </Shell>
  );
}
