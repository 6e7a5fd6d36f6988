/** IDPartner's account selector under its base URL (IDPartner's preferences service), and that base's default. */
export const DEFAULT_BASE_URL = "https://preferences.idpartner.com";
export const SELECTOR_PATH = "/v1/select-accounts";
