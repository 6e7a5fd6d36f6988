/**
 * Test data for the local Auth0 tenant stand-in: the users you can sign in as, and the
 * applications (clients) registered on it. Demo values only; nothing here is secret.
 */

export interface TenantClient {
  client_id: string;
  client_secret: string;
  /** Shown on the sign-in page and given to the Action as `event.client.name`. */
  name: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  /**
   * Auth0 application metadata, e.g. { IDV_REQUIRED: "true" }. Handed to the Actions as
   * event.client.metadata; the stand-in itself never reads it (the verification Action
   * does nothing for `IDV_SKIP: "true"`).
   */
  metadata: Record<string, string>;
  /** Default ["authorization_code", "refresh_token"]. */
  grant_types?: string[];
}

export interface TenantUser {
  /** Auth0 style, e.g. "auth0|alice". */
  user_id: string;
  email: string;
  /** Whether Auth0 has verified the email (the ID token's `email_verified`); default true. */
  email_verified?: boolean;
  name: string;
  /** Set only through the Management API or here; Auth0 derives a nickname from the email otherwise. */
  given_name?: string;
  family_name?: string;
  nickname?: string;
  picture?: string;
  /** Blocked by an administrator (Management API `blocked`): the user can no longer sign in. */
  blocked?: boolean;
  /** Shown (and pre-filled) on the sign-in page: these are test users. */
  password: string;
  app_metadata?: Record<string, unknown>;
  user_metadata?: Record<string, unknown>;
  /** The user's Auth0 roles: given to the Actions as event.authorization.roles (the staff-roles Action puts them in the staff application's ID token). */
  roles?: string[];
}

/** The one password of every default user; the sign-in page shows it. */
export const DEMO_PASSWORD = "demo-password";

export const DEFAULT_USERS: readonly TenantUser[] = [
  { user_id: "auth0|alice", email: "alice@example.test", name: "Alice Example", password: DEMO_PASSWORD },
  { user_id: "auth0|bob", email: "bob@example.test", name: "Bob Example", password: DEMO_PASSWORD },
  { user_id: "auth0|carol", email: "carol@example.test", name: "Carol Example", password: DEMO_PASSWORD },
  { user_id: "auth0|dan", email: "dan@example.test", name: "Dan Example", password: DEMO_PASSWORD },
  {
    user_id: "auth0|admin",
    email: "admin@example.test",
    name: "Ada Admin (staff)",
    password: DEMO_PASSWORD,
    roles: ["idv-admin"],
  },
  {
    user_id: "auth0|support",
    email: "support@example.test",
    name: "Sam Support (staff)",
    password: DEMO_PASSWORD,
    roles: ["idv-support"],
  },
];

/** Where the sample application receives every client's authorization response. */
export const SAMPLE_APP_CALLBACK_PATH = "/callback";
/** Where the portal's staff sign-in receives its authorization response. */
export const PORTAL_STAFF_CALLBACK_PATH = "/auth/callback";
/** Where staff sign-out ends: the portal's page with "Sign in again" (an Allowed Logout URL of the staff application). */
export const PORTAL_STAFF_SIGNED_OUT_PATH = "/signed-out";

export const SAMPLE_CLIENT_IDS = ["sample-app", "sample-bank", "sample-veterans", "sample-credit"] as const;
export const STAFF_CLIENT_ID = "idv-portal-staff";

/**
 * The default applications. Redirect URIs depend on where the sample app and the portal
 * run, so they are built from those two base URLs (no trailing slash needed).
 */
export function defaultClients(urls: { sampleAppUrl: string; portalUrl: string }): TenantClient[] {
  const sample = urls.sampleAppUrl.replace(/\/+$/, "");
  const portal = urls.portalUrl.replace(/\/+$/, "");
  const sampleClient = (client_id: string, name: string, metadata: Record<string, string>): TenantClient => ({
    client_id,
    client_secret: `${client_id}-demo-secret`,
    name,
    redirect_uris: [`${sample}${SAMPLE_APP_CALLBACK_PATH}`],
    post_logout_redirect_uris: [`${sample}/`],
    metadata,
  });
  return [
    sampleClient("sample-app", "Sample App", {}),
    sampleClient("sample-bank", "Sample Bank", { IDV_REQUIRED: "true" }),
    sampleClient("sample-veterans", "Veteran Discounts", { IDV_REQUIRED: "true", IDV_GROUP: "military" }),
    sampleClient("sample-credit", "Sample Credit Union", { IDV_REQUIRED: "true" }),
    {
      client_id: STAFF_CLIENT_ID,
      client_secret: `${STAFF_CLIENT_ID}-demo-secret`,
      name: "Verification Portal (staff)",
      redirect_uris: [`${portal}${PORTAL_STAFF_CALLBACK_PATH}`],
      // Allowed Logout URLs: staff sign-out returns to the portal's signed-out page (app/signed-out).
      post_logout_redirect_uris: [`${portal}/`, `${portal}${PORTAL_STAFF_SIGNED_OUT_PATH}`],
      // Staff sign in to run the portal; they must never be sent to verify themselves.
      metadata: { IDV_SKIP: "true" },
    },
  ];
}
