/**
 * Which endpoint URLs the portal delivers to (the form checks this, and delivery again):
 * http(s) only, no user:password in it; and in production (NODE_ENV production and the
 * portal itself served over https) https only. A portal served over plain http is a local
 * demo, where receivers on this machine speak plain http (the same rule the portal's
 * cookies follow: `secure` when PORTAL_URL is https). No server imports.
 */
export function urlProblem(value: string, production: boolean): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "Enter the endpoint's full URL, e.g. https://hooks.example.com/idv.";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "Only http:// and https:// URLs can receive events.";
  if (u.username || u.password) return "Leave user names and passwords out of the URL: the signature authenticates the portal.";
  if (production && u.protocol !== "https:") return "In production events go to https:// URLs only.";
  return null;
}
