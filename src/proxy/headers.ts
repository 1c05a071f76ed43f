/**
 * Header rewriting in both directions (RFC 9110 §7.6.1): hop-by-hop headers stop here; forwarding headers
 * are set by us, and kept from the client only when the peer is a trusted proxy.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from "node:http";

/**
 * Hop-by-hop, plus `expect` (Node answers 100-continue to the client itself), the framing headers undici
 * recomputes, and `trailer` (undici cannot send request trailers, so announcing them would be a lie).
 */
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

/** Response side: `Trailer` is end-to-end (RFC 9110 §6.6.2) and the trailers themselves are relayed. */
const RESPONSE_HOP_BY_HOP: ReadonlySet<string> = new Set(
  [...HOP_BY_HOP].filter((name) => name !== "trailer"),
);

const FORWARDING: ReadonlySet<string> = new Set([
  "x-forwarded-for",
  "x-forwarded-proto",
  "x-forwarded-host",
  "x-real-ip",
]);

/**
 * Other headers that claim a client address, scheme or path and that backends (Spring, Express, Rails…)
 * may believe: passed on from trusted proxies only, never from a client.
 */
const CLAIMS: ReadonlySet<string> = new Set([
  "forwarded",
  "x-forwarded-port",
  "x-forwarded-prefix",
  "x-forwarded-server",
  "x-forwarded-ssl",
  "x-client-ip",
  "x-cluster-client-ip",
  "true-client-ip",
]);

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
  /** Our Via entry (`1.1 gslb`), appended after the client's; undefined = none. */
  readonly via?: string | undefined;
  /** Authority of an absolute-form request target: it replaces Host (RFC 9112 §3.2.2). */
  readonly authority?: string | undefined;
}

/** `Connection` values seen lately and their tokens: the same few values ("keep-alive", "close") come on every message. */
const connectionTokenCache = new Map<string, ReadonlySet<string>>();
const CONNECTION_CACHE_SIZE = 64;

/** Tokens named by `Connection` are hop-by-hop too ("Connection: close, X-Secret"). */
function connectionTokens(value: string | undefined): ReadonlySet<string> | undefined {
  if (value === undefined) return undefined;
  let tokens = connectionTokenCache.get(value);
  if (tokens === undefined) {
    tokens = new Set(value.split(",").map((t) => t.trim().toLowerCase()));
    if (connectionTokenCache.size >= CONNECTION_CACHE_SIZE) connectionTokenCache.clear();
    connectionTokenCache.set(value, tokens);
  }
  return tokens;
}

/**
 * Request headers for the upstream as a flat [name, value, ...] list (undici's raw form), from the client's
 * raw headers: case and order kept, duplicates kept.
 */
export function upstreamRequestHeaders(
  rawHeaders: readonly string[],
  headers: IncomingHttpHeaders,
  facts: ForwardingFacts,
): string[] {
  const listed = connectionTokens(headers.connection);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP.has(lower) || listed?.has(lower) === true) continue;
    if (lower === "host" && facts.authority !== undefined) continue;
    if (!facts.trusted && CLAIMS.has(lower)) continue;
    if (FORWARDING.has(lower)) {
      if (!facts.trusted) continue;
      const value = rawHeaders[i + 1]!;
      if (lower === "x-forwarded-for")
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
      else if (lower === "x-forwarded-proto") forwardedProto ??= value;
      else if (lower === "x-forwarded-host") forwardedHost ??= value;
      continue;
    }
    out.push(name, rawHeaders[i + 1]!);
  }
  if (facts.authority !== undefined) out.push("host", facts.authority);
  out.push("x-forwarded-for", forwardedFor === undefined ? facts.peer : `${forwardedFor}, ${facts.peer}`);
  out.push("x-forwarded-proto", forwardedProto ?? facts.proto);
  const host = forwardedHost ?? facts.authority ?? headers.host;
  if (host !== undefined) out.push("x-forwarded-host", host);
  out.push("x-real-ip", facts.client);
  if (!facts.hasRequestId) out.push("x-request-id", facts.requestId);
  if (facts.via !== undefined) out.push("via", facts.via);
  return out;
}

type ResponseHeaders = IncomingHttpHeaders | Record<string, string | string[] | undefined>;

/**
 * Response headers for the client as a flat [name, value, ...] list (what `writeHead` takes fastest): the
 * upstream's, minus hop-by-hop ones, with our `via` appended. With `requestId`, the upstream's X-Request-ID
 * is replaced by ours.
 */
export function clientResponseHeaderList(
  headers: ResponseHeaders,
  via?: string,
  requestId?: string,
): (string | string[])[] {
  const connection = headers["connection"];
  const listed = connectionTokens(typeof connection === "string" ? connection : undefined);
  const out: (string | string[])[] = [];
  let theirVia: string | string[] | undefined;
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || RESPONSE_HOP_BY_HOP.has(name) || listed?.has(name) === true) continue;
    if (name === "via" && via !== undefined) theirVia = value;
    else if (name !== "x-request-id" || requestId === undefined) out.push(name, value);
  }
  if (via !== undefined)
    out.push(
      "via",
      theirVia === undefined ? via : `${Array.isArray(theirVia) ? theirVia.join(", ") : theirVia}, ${via}`,
    );
  if (requestId !== undefined) out.push("x-request-id", requestId);
  return out;
}

/** The same as an object (header names from undici are unique lower-case keys). */
export function clientResponseHeaders(headers: ResponseHeaders, via?: string): OutgoingHttpHeaders {
  const list = clientResponseHeaderList(headers, via);
  const out: OutgoingHttpHeaders = {};
  for (let i = 0; i < list.length; i += 2) out[list[i] as string] = list[i + 1]!;
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
