import type { ServerResponse } from "node:http";
import { esc, sendHtml } from "../shared/http";
import type { TenantClient } from "./tenant-data";
import { PATHS, type TenantState } from "./tenant-state";

/** The tenant stand-in's pages: sign-in (pick a test user), the index, errors, in one frame. */

export function signInPage(t: TenantState, client: TenantClient, uid: string, opts: { error?: string; userId?: string } = {}): string {
  const users = [...t.users.values()];
  const passwords = new Set(users.map((u) => u.password));
  const shared = passwords.size === 1 ? users[0]?.password : undefined;
  const chosen = opts.userId ?? "";
  const items = users
    .map(
      (u, i) => `
      <label class="user" data-testid="user-${esc(u.user_id)}">
        <input type="radio" name="user_id" value="${esc(u.user_id)}"${u.user_id === chosen ? " checked" : ""}${i === 0 ? " required" : ""}>
        <span class="who"><span class="name">${esc(u.name)}</span><span class="email">${esc(u.email)}</span>
        ${u.roles?.length ? `<span class="roles">${u.roles.map((r) => `<code>${esc(r)}</code>`).join(" ")}</span>` : ""}
        ${shared === undefined ? `<span class="pw">password: <code>${esc(u.password)}</code></span>` : ""}</span>
      </label>`,
    )
    .join("");
  return page(
    "Log in",
    `<h2>Log in to continue to <span data-testid="client-name">${esc(client.name)}</span></h2>
     ${opts.error ? `<p class="error" role="alert" data-testid="signin-error">${esc(opts.error)}</p>` : ""}
     <form method="post" action="${esc(`${PATHS.login}${encodeURIComponent(uid)}`)}">
       <fieldset>
         <legend>Test users</legend>
         <div class="users">${items}</div>
       </fieldset>
       <label class="field">Password
         <input type="password" name="password" value="${esc(shared ?? "")}" autocomplete="off">
       </label>
       ${shared !== undefined ? `<p class="hint">Every test user's password is <code>${esc(shared)}</code> (already filled in).</p>` : ""}
       <div class="actions"><button type="submit" class="primary">Continue</button></div>
     </form>
     <p class="hint">Tenant <code>${esc(t.domain)}</code> · application <code>${esc(client.client_id)}</code></p>`,
  );
}

export function indexPage(t: TenantState): string {
  const clients = [...t.clients.values()]
    .map((c) => {
      const meta = Object.entries(c.metadata)
        .map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`)
        .join(" ");
      return `<li><strong>${esc(c.name)}</strong> (<code>${esc(c.client_id)}</code>) ${meta}</li>`;
    })
    .join("");
  const users = [...t.users.values()]
    .map(
      (u) =>
        `<li>${esc(u.name)} &lt;${esc(u.email)}&gt; <code>${esc(u.user_id)}</code>${u.roles?.length ? ` roles: ${esc(u.roles.join(", "))}` : ""}</li>`,
    )
    .join("");
  return page(
    "Auth0 tenant (local stand-in)",
    `<p>A local stand-in for an Auth0 tenant, for tests and demos only.</p>
     <p>Discovery: <a href="/.well-known/openid-configuration">${esc(t.url)}/.well-known/openid-configuration</a></p>
     <h2>Applications</h2><ul>${clients}</ul>
     <h2>Users</h2><ul>${users}</ul>`,
  );
}

export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · Auth0 tenant (local stand-in)</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; background: #eef0f3; color: #1e212a; margin: 0; line-height: 1.45; }
  main { max-width: 34rem; margin: 1.5rem auto; background: #fff; border-radius: 10px; padding: 1.25rem 1.5rem; box-shadow: 0 2px 10px rgba(0,0,0,.08); }
  @media (max-width: 36rem) { main { margin: 0; border-radius: 0; min-height: 100vh; box-sizing: border-box; } }
  .banner { background: #fff4d6; border: 1px solid #e8c15a; padding: .5rem .75rem; border-radius: 6px; font-weight: 600; margin: 0 0 1rem; }
  h2 { font-size: 1.2rem; margin: .5rem 0 1rem; }
  fieldset { border: 0; padding: 0; margin: 0 0 1rem; }
  legend { font-weight: 600; margin-bottom: .5rem; }
  .users { display: grid; gap: .5rem; }
  .user { display: flex; gap: .75rem; align-items: flex-start; padding: .65rem .85rem; border: 1px solid #c9ced6; border-radius: 8px; cursor: pointer; }
  .user:hover, .user:focus-within { border-color: #635dff; background: #f5f4ff; }
  .user input { margin-top: .3rem; width: 1.1rem; height: 1.1rem; }
  .who { display: grid; }
  .name { font-weight: 600; }
  .email, .pw { color: #4d5562; font-size: .9rem; word-break: break-all; }
  .field { display: grid; gap: .3rem; font-weight: 600; }
  .field input { font: inherit; padding: .6rem .7rem; border: 1px solid #a9b0bb; border-radius: 6px; }
  .hint { color: #4d5562; font-size: .9rem; }
  .error { background: #fdecea; border: 1px solid #d93025; color: #8c1d18; padding: .6rem .8rem; border-radius: 6px; font-weight: 600; }
  .actions { display: flex; gap: .75rem; margin-top: 1rem; flex-wrap: wrap; }
  button { font: inherit; padding: .65rem 1.4rem; border-radius: 6px; cursor: pointer; }
  .primary { background: #635dff; color: #fff; border: 1px solid #635dff; }
  .primary:hover, .primary:focus { background: #4b45e0; }
  .secondary { background: #fff; color: #1e212a; border: 1px solid #a9b0bb; }
  button:focus-visible, input:focus-visible, a:focus-visible { outline: 3px solid #ffb020; outline-offset: 2px; }
  code { background: #eef1f4; padding: .1rem .3rem; border-radius: 4px; word-break: break-all; }
</style></head>
<body><main><p class="banner">Auth0 tenant (local stand-in) &mdash; test data only</p>${body}</main></body></html>`;
}

export function loginExpired(res: ServerResponse) {
  sendHtml(res, 400, page("Login expired", "<h2>This login has expired.</h2><p>Start again from the application.</p>"));
}
