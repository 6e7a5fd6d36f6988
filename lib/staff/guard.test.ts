import { beforeAll, describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Staff } from "./session";
import type { Guarded } from "./guard";

/**
 * Every admin entry point checks access in the one shared place: each server
 * action module's exports and each admin API route are guarded and refuse an
 * anonymous visitor, a signed-in person without a role, and (where admins
 * only) a support user; each admin page calls guardPage. The browser tests
 * show the pages' refusals as a person meets them.
 */

const ROOT = path.resolve(import.meta.dirname, "..", "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === "node_modules" || name === "generated" || name.startsWith(".")) return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|tsx)$/.test(name) && !/\.test\.tsx?$/.test(name) ? [p] : [];
  });
}

const source = (p: string) => readFileSync(p, "utf8");
const serverActionModules = [...files(path.join(ROOT, "lib")), ...files(path.join(ROOT, "app"))].filter((p) =>
  /^\s*(\/\/[^\n]*\n|\/\*[\s\S]*?\*\/\s*)*["']use server["']/.test(source(p)),
);
const adminRoutes = [
  ...files(path.join(ROOT, "app", "admin")),
  ...(statSync(path.join(ROOT, "app"), { throwIfNoEntry: false })
    ? files(path.join(ROOT, "app")).filter((p) => p.includes(`${path.sep}api${path.sep}admin${path.sep}`))
    : []),
  // The detailed health report is for staff too (its live and ready siblings are public).
  path.join(ROOT, "app", "api", "health", "route.ts"),
].filter((p) => p.endsWith("route.ts"));
const adminPages = files(path.join(ROOT, "app", "admin")).filter((p) => p.endsWith("page.tsx") && !/no-access|forbidden/.test(p));

const who: Record<string, Staff | null> = {
  anonymous: null,
  "no role": { id: "auth0|x", email: "x@example.test", name: "X", role: null },
  support: { id: "auth0|support", email: "support@example.test", name: "S", role: "support" },
};
const expected: Record<string, string> = { anonymous: "anonymous", "no role": "no_role", support: "forbidden" };

let setSource: (s: (() => Promise<Staff | null>) | undefined) => void;

beforeAll(async () => {
  Object.assign(process.env, {
    AUTH0_DOMAIN: "tenant.example.com",
    AUTH0_TOKEN_SECRET: "a-test-token-secret-of-some-length",
    PORTAL_URL: "https://verify.example.com",
    IDME_CLIENT_ID: "c",
    IDME_CLIENT_SECRET: "s",
    ENCRYPTION_KEY: "ab".repeat(32),
    STAFF_CLIENT_ID: "staff",
    STAFF_CLIENT_SECRET: "staff-secret",
    STAFF_SESSION_SECRET: "x".repeat(40),
  });
  ({ setStaffSourceForTests: setSource } = await import("./session"));
});

describe("admin access is checked in one place", () => {
  it("finds the admin entry points it guards", () => {
    expect(serverActionModules.length + adminRoutes.length).toBeGreaterThan(0);
    expect(adminPages.length).toBeGreaterThan(0);
  });

  it("every admin page calls guardPage before anything else", () => {
    for (const page of adminPages) {
      const src = source(page);
      expect(src, path.relative(ROOT, page)).toMatch(/await guardPage\("(support|admin)"/);
    }
  });

  it("every exported server action and admin route is guarded and refuses who it should", async () => {
    const checked: string[] = [];
    for (const file of [...serverActionModules, ...adminRoutes]) {
      const mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
      for (const [name, fn] of Object.entries(mod)) {
        if (typeof fn !== "function") continue;
        const label = `${path.relative(ROOT, file)}#${name}`;
        const guard = (fn as Partial<Guarded>).guard;
        expect(guard, `${label} is not wrapped by staffAction / staffFormAction / staffRoute`).toBeTruthy();
        for (const [persona, staff] of Object.entries(who)) {
          if (persona === "support" && guard!.need === "support") continue;
          setSource(async () => staff);
          const isRoute = file.endsWith("route.ts");
          const result = isRoute
            ? await (fn as (r: Request) => Promise<Response>)(new Request("https://verify.example.com/api/admin/x"))
            : await (fn as (a: unknown, b: unknown) => Promise<{ ok: boolean; error?: { code: string } }>)(null, new FormData());
          if (isRoute) expect((result as Response).status, `${label} as ${persona}`).toBe(persona === "anonymous" ? 401 : 403);
          else expect((result as { error?: { code: string } }).error?.code, `${label} as ${persona}`).toBe(expected[persona]);
        }
        checked.push(label);
      }
    }
    setSource(undefined);
    expect(checked.length).toBeGreaterThan(0);
  });
});
