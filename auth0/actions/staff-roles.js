/**
 * Staff roles — Auth0 post-login Action for the ID verification portal's staff sign-in.
 *
 * Paste this file as it is into a post-login Action (Node 22 runtime, no npm
 * dependencies) and add it to the Login flow (before or after id-verification.js; the
 * two do not depend on each other).
 *
 * WHAT IT DOES
 *   On a login to the portal's staff application (and only there) it puts the names of
 *   the user's Auth0 roles (event.authorization.roles: Dashboard → User Management →
 *   Roles) into the ID token under the roles claim the portal reads (the portal's
 *   STAFF_ROLES_CLAIM). The portal grants "admin" for the role idv-admin and "support"
 *   for idv-support; other role names grant nothing there.
 *   Logins to any other application are left alone: their ID tokens carry no roles.
 *
 * SETTINGS (read from the Action's Secrets first, then from its Configuration)
 *   STAFF_CLIENT_ID   The client id of the portal's staff application (the portal's
 *                     STAFF_CLIENT_ID). Several may be given, separated by commas.
 *                     Required: without it the Action adds nothing anywhere.
 *   ROLES_CLAIM       Optional. The claim name; default "https://idv-portal/roles"
 *                     (the portal's default STAFF_ROLES_CLAIM). Keep both equal.
 */
"use strict";

const DEFAULT_ROLES_CLAIM = "https://idv-portal/roles";

function setting(event, name) {
  for (const source of [event && event.secrets, event && event.configuration]) {
    if (source && typeof source[name] === "string" && source[name].trim() !== "") return source[name].trim();
  }
  return undefined;
}

exports.onExecutePostLogin = async (event, api) => {
  const staffClients = (setting(event, "STAFF_CLIENT_ID") || "")
    .split(",")
    .map((id) => id.trim())
    .filter((id) => id !== "");
  if (staffClients.length === 0) {
    console.log("staff-roles: STAFF_CLIENT_ID is not set; no roles added");
    return;
  }
  const clientId = event.client && event.client.client_id;
  if (!staffClients.includes(clientId)) return;

  const claim = setting(event, "ROLES_CLAIM") || DEFAULT_ROLES_CLAIM;
  const roles = event.authorization && Array.isArray(event.authorization.roles) ? event.authorization.roles : [];
  api.idToken.setCustomClaim(
    claim,
    roles.filter((role) => typeof role === "string" && role !== ""),
  );
};
