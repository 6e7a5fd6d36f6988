import { getRequestConfig } from "next-intl/server";
import { MESSAGES, requestLocale } from "../lib/flow/locale";

// next-intl without its routing middleware: the language of the person's pages comes from
// lib/flow/locale.ts (the switch, Auth0's ui_locales, Accept-Language). Staff pages use no messages.
export default getRequestConfig(async () => {
  const locale = await requestLocale();
  return { locale, messages: MESSAGES[locale] };
});
