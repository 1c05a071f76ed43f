/**
 * Header rewriting in both directions (RFC 9110 §7.6.1): hop-by-hop headers stop here; forwarding headers
 * are set by us, and kept from the client only when the peer is a trusted proxy.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/** Hop-by-hop, plus `expect` (we answer 100-continue ourselves) and the framing headers undici recomputes. */
const HOP_BY_HOP: ReadonlySet<string> = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "expect",
  "http2-settings",
]);

const FORWARDING: ReadonlySet<string> = new Set(["x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-real-ip"]);

export interface ForwardingFacts {
  /** Direct peer address. */
  readonly peer: string;
  /** The client (peer, or from a trusted X-Forwarded-For). */
  readonly client: string;
  readonly trusted: boolean;
  /** "http" or "https": how the client reached us. */
  readonly proto: string;
  readonly requestId: string;
  /** The request carries X-Request-ID already. */
  readonly hasRequestId: boolean;
}

/** Tokens named by `Connection` are hop-by-hop too ("Connection: close, X-Secret"). */
function connectionTokens(value: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  return new Set(value.split(",").map((t) => t.trim().toLowerCase()));
}

/**
 * Request headers for the upstream as a flat [name, value, ...] list (undici's raw form), from the client's
 * raw headers: case and order kept, duplicates kept.
 */
export function upstreamRequestHeaders(rawHeaders: readonly string[], headers: IncomingHttpHeaders, facts: ForwardingFacts): string[] {
  const listed = connectionTokens(headers.connection);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower) === true) continue;
    if (FORWARDING.has(lower)) {
      if (!facts.trusted) continue;
      const value = rawHeaders[i + 1]!;
      if (lower === "x-forwarded-for") forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === "x-forwarded-proto") forwardedProto ??= value;
      else if (lower === "x-forwarded-host") forwardedHost ??= value;
      continue;
    }
    out.push(name, rawHeaders[i + 1]!);
  }
  out.push("x-forwarded-for", forwardedFor === undefined ? facts.peer : `${forwardedFor}, ${facts.peer}`);
  out.push("x-forwarded-proto", forwardedProto ?? facts.proto);
  const host = forwardedHost ?? headers.host;
  if (host !== undefined) out.push("x-forwarded-host", host);
  out.push("x-real-ip", facts.client);
  if (!facts.hasRequestId) out.push("x-request-id", facts.requestId);
  return out;
}

/** Response headers for the client: the upstream's, minus hop-by-hop ones. */
export function clientResponseHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): OutgoingHttpHeaders {
  const listed = connectionTokens(typeof headers["connection"] === "string" ? headers["connection"] : undefined);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || listed?.has(name) === true) continue;
    out[name] = value;
  }
  return out;
}

/** For an Upgrade: the upstream's 101 headers minus hop-by-hop, with Connection/Upgrade put back. */
export function serializeUpgradeResponse(headers: IncomingHttpHeaders, protocol: string): string {
  let head = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n" + `Upgrade: ${protocol}\r\n`;
  const rest = clientResponseHeaders(headers);
  for (const name in rest) {
    const value = rest[name];
    for (const v of Array.isArray(value) ? value : [value]) head += `${name}: ${String(v)}\r\n`;
  }
  return head + "\r\n";
}
