/**
 * Which endpoint URLs the portal delivers to (the form checks this, and delivery again):
 * http(s) only, no user:password in it; and in production (NODE_ENV production and the
 * portal itself served over https) https only. A portal served over plain http is a local
 * demo, where receivers on this machine speak plain http (the same rule the portal's
 * cookies follow: `secure` when PORTAL_URL is https).
 *
 * In production (NODE_ENV production) events also never go to this machine or a private
 * network, unless WEBHOOKS_ALLOW_PRIVATE=true says a receiver there is meant: a URL whose host
 * is `localhost` or a literal loopback, private, link-local or unique-local address is refused
 * where the admin types it (urlProblem with refusePrivate), and at delivery the host's
 * addresses are resolved and a private one is refused (assertPublicDestination), so a public
 * name that resolves to a private address (DNS rebinding) is not followed either.
 *
 * No server imports: the browser checks with this file too (assertPublicDestination reaches
 * the resolver only when it runs, on the server).
 */

export interface UrlRules {
  /** Refuse localhost and literal non-public addresses (privateDestinationsRefused). */
  refusePrivate?: boolean;
}

export function urlProblem(value: string, production: boolean, rules: UrlRules = {}): string | null {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return "Enter the endpoint's full URL, e.g. https://hooks.example.com/idv.";
  }
  if (u.protocol !== "https:" && u.protocol !== "http:") return "Only http:// and https:// URLs can receive events.";
  if (u.username || u.password) return "Leave user names and passwords out of the URL: the signature authenticates the portal.";
  if (production && u.protocol !== "https:") return "In production events go to https:// URLs only.";
  if (rules.refusePrivate) {
    const kind = hostKind(u.hostname);
    if (kind) return privateMessage(kind);
  }
  return null;
}

/** Whether this deployment refuses private destinations: production, unless WEBHOOKS_ALLOW_PRIVATE=true. */
export function privateDestinationsRefused(e: { NODE_ENV?: string; WEBHOOKS_ALLOW_PRIVATE?: boolean }): boolean {
  return e.NODE_ENV === "production" && !e.WEBHOOKS_ALLOW_PRIVATE;
}

const privateMessage = (kind: string) =>
  `Events do not go to ${kind} in production: use the receiver's public address (or set WEBHOOKS_ALLOW_PRIVATE=true if a receiver on a private network is meant).`;

/** A destination refused at delivery: the host is, or resolves to, a non-public address. */
export class PrivateDestinationError extends Error {
  readonly code = "private_destination";
  constructor(kind: string) {
    super(privateMessage(kind));
    this.name = "PrivateDestinationError";
  }
}

export type Lookup = (hostname: string) => Promise<string[]>;

/** The system's resolver (as fetch would use it): every address of the name. */
export const systemLookup: Lookup = async (hostname) => {
  const dns = process.getBuiltinModule("node:dns");
  return (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
};

/**
 * Delivery: refuses (PrivateDestinationError) a URL whose host is localhost, a non-public
 * address, or a name any of whose addresses is one. For the sender to call before each try
 * when privateDestinationsRefused(env()); a name that does not resolve is left to the request
 * itself to fail. Returns the addresses it checked.
 */
export async function assertPublicDestination(url: string, lookup: Lookup = systemLookup): Promise<string[]> {
  const host = new URL(url).hostname;
  const literal = hostKind(host);
  if (literal) throw new PrivateDestinationError(literal);
  if (isIpLiteral(host)) return [host.replace(/^\[|\]$/g, "")];
  let addresses: string[];
  try {
    addresses = await lookup(host.replace(/\.$/, ""));
  } catch {
    return [];
  }
  for (const address of addresses) {
    const kind = addressKind(address);
    if (kind) throw new PrivateDestinationError(`an address that ${host} resolves to (${kind.replace(/ addresses?$/, "")})`);
  }
  return addresses;
}

// ── addresses ──

/** What a URL's hostname is when it is not a public destination: localhost, or a literal non-public address. */
function hostKind(hostname: string): string | null {
  const host = hostname.toLowerCase().replace(/\.$/, "");
  // RFC 6761: localhost and every name under it are this machine.
  if (host === "localhost" || host.endsWith(".localhost")) return "localhost";
  return addressKind(host.replace(/^\[|\]$/g, ""));
}

function isIpLiteral(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, "");
  return parseIpv4(h) !== null || parseIpv6(h) !== null;
}

/** The kind of a non-public IPv4 or IPv6 address (as text), or null for a public one or a name. */
export function addressKind(address: string): string | null {
  const v4 = parseIpv4(address);
  if (v4) return ipv4Kind(v4);
  const v6 = parseIpv6(address);
  return v6 ? ipv6Kind(v6) : null;
}

function parseIpv4(text: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return null;
  const octets = m.slice(1).map(Number);
  return octets.every((o) => o <= 255) ? octets : null;
}

function ipv4Kind([a, b]: number[]): string | null {
  if (a === 127) return "loopback addresses";
  if (a === 0) return "unspecified addresses (0.0.0.0/8)";
  if (a === 10 || (a === 172 && b! >= 16 && b! <= 31) || (a === 192 && b === 168)) return "private addresses";
  // Shared address space (RFC 6598): inside a provider's network, never a public receiver.
  if (a === 100 && b! >= 64 && b! <= 127) return "private addresses";
  if (a === 169 && b === 254) return "link-local addresses";
  if (a! >= 224) return "multicast or reserved addresses";
  return null;
}

/** Eight 16-bit groups, or null when the text is not an IPv6 address (a zone id is not accepted). */
function parseIpv6(text: string): number[] | null {
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  let s = text;
  const tail: number[] = [];
  const dotted = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (dotted) {
    const v4 = parseIpv4(dotted[2]!);
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    s = dotted[1]!.endsWith("::") ? dotted[1]! : dotted[1]!.slice(0, -1);
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part ? part.split(":") : []);
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...rest].some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const given = head.length + rest.length + tail.length;
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const zeros = Array<number>(8 - given).fill(0);
  return [...head.map((g) => parseInt(g, 16)), ...(halves.length === 2 ? zeros : []), ...rest.map((g) => parseInt(g, 16)), ...tail];
}

function ipv6Kind(g: number[]): string | null {
  const embedded = (hi: number, lo: number) => ipv4Kind([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  const zeroUpTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroUpTo(7) && g[7] === 1) return "loopback addresses";
  if (zeroUpTo(8)) return "unspecified addresses (::)";
  // IPv4-mapped (::ffff:a.b.c.d) and the old IPv4-compatible (::a.b.c.d) addresses reach the IPv4 address inside.
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!);
  if (zeroUpTo(6)) return embedded(g[6]!, g[7]!);
  // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address too.
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) return embedded(g[6]!, g[7]!);
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!);
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local addresses";
  if ((g[0]! & 0xfe00) === 0xfc00) return "unique-local addresses";
  if ((g[0]! & 0xffc0) === 0xfec0) return "site-local addresses";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast addresses";
  return null;
}
