import { providerIds } from "../providers";
import { providerNameFor } from "../flow/view";

/**
 * Each provider's one display name on the staff pages (ID.me, IDPartner, the
 * OpenID Connect provider's configured name), as the person's pages name it:
 * staff never see the internal id (`idme`). Unknown ids are shown as they are.
 */
export async function providerNames(extra: Iterable<string> = []): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const id of new Set<string>([...providerIds(), ...extra])) out.set(id, await providerNameFor(id));
  return out;
}

/** A lookup that falls back to the id itself. */
export function nameOf(names: ReadonlyMap<string, string>): (id: string) => string {
  return (id) => names.get(id) ?? id;
}
