/**
 * The one schema of `gslb proxy --config FILE` (STYLE §9): defaults and units live here only.
 * Durations are `500ms`, `2s`, `1m` or a number of seconds, parsed to milliseconds. Keys follow nginx's
 * names where nginx has one (`max_fails`, `fail_timeout`, `slow_start`, `backup`); a `health_check` is a
 * tier-1 check definition (src/health/check-schema.ts), so both tiers probe alike.
 */
import { isIP } from "node:net";
import { z } from "zod";
import { durationSchema, httpCheckSchema, tcpCheckSchema } from "../../health/check-schema.ts";
import { parseProbeAddress } from "../../health/probes/probe.ts";
import { BALANCER_NAMES } from "../balancers/registry.ts";

/** `host:port` with a port; IPv6 in brackets. Parsed to { host, port }. */
const hostPort = z.string().transform((text, ctx) => {
  const parsed = parseProbeAddress(text);
  if (parsed?.port === undefined) {
    ctx.addIssue({ code: "custom", message: `expected HOST:PORT (IPv6 as [::1]:8080), got "${text}"` });
    return z.NEVER;
  }
  return { host: parsed.host, port: parsed.port };
});

/** Where to listen: like hostPort, but port 0 (any free port) is allowed. */
const listenAddress = z.string().transform((text, ctx) => {
  const match = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(text) ?? /^([A-Za-z0-9._-]+):(\d{1,5})$/.exec(text);
  const port = Number(match?.[2]);
  if (match === null || port > 65535) {
    ctx.addIssue({
      code: "custom",
      message: `expected ADDR:PORT (IPv6 as [::1]:8080; port 0 = any free port), got "${text}"`,
    });
    return z.NEVER;
  }
  return { host: match[1]!, port };
});

/** An address or CIDR block of a proxy whose X-Forwarded-* headers we believe. */
const cidr = z.string().refine(
  (text) => {
    const [address = "", prefix, ...rest] = text.split("/");
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    const bits = Number(prefix);
    return /^\d+$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
  },
  { message: "expected an IP address or CIDR block, e.g. 10.0.0.0/8 or 2001:db8::/32" },
);

const listenerSchema = z.strictObject({
  address: listenAddress,
  /** HTTPS when present: PEM files, read at load time. */
  tls: z.strictObject({ cert: z.string().min(1), key: z.string().min(1) }).optional(),
});

/** RFC 6265 cookie-name: an RFC 9110 token. */
const cookieName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "a cookie name is a token (letters, digits, !#$%&'*+.^_`|~-)");

/**
 * Cookie sticky sessions (HAProxy `cookie … insert`, nginx `sticky cookie`): the response names its upstream
 * by an opaque hash in this cookie; later requests carrying it go to that upstream while it is up.
 */
const stickySchema = z.strictObject({
  cookie: cookieName,
  /** Max-Age of the cookie; absent = a session cookie (dropped when the browser closes). */
  ttl: durationSchema.optional(),
});

const routeSchema = z.strictObject({
  /** Exact host, `*.example.com` (any subdomain), or `*` (any). The port of the Host header is ignored. */
  host: z.string().min(1).default("*"),
  path_prefix: z.string().startsWith("/").default("/"),
  upstream: z.string().min(1),
  sticky: stickySchema.optional(),
});

/** How to speak TLS to an upstream. Certificates are verified unless `verify: false`. */
const upstreamTlsSchema = z.strictObject({
  verify: z.boolean().default(true),
  /** PEM file of the CA(s) to trust instead of Node's bundled roots; relative to the config file. */
  ca: z.string().min(1).optional(),
  /** SNI and the name the certificate must carry; default: the address's host when it is a name. */
  servername: z.string().min(1).optional(),
});

export type UpstreamTlsConfig = z.infer<typeof upstreamTlsSchema>;

/** `tls: true` is `tls: {}` (verify on); `false` or absent = plain HTTP. */
const upstreamTls = z
  .union([z.boolean(), upstreamTlsSchema])
  .default(false)
  .transform((value): UpstreamTlsConfig | undefined => {
    if (value === false) return undefined;
    return value === true ? { verify: true } : value;
  });

const serverSchema = z.strictObject({
  address: hostPort,
  weight: z.number().int().min(1).max(1000).default(1),
  backup: z.boolean().default(false),
  /** nginx defaults: one failure within 10 s takes the upstream out for 10 s. 0 disables. */
  max_fails: z.number().int().min(0).default(1),
  fail_timeout: durationSchema.default(10_000),
  slow_start: durationSchema.default(0),
  /** Speak HTTPS to this upstream: `true`, or `{ verify, ca, servername }`. */
  tls: upstreamTls,
});

const hashSchema = z
  .strictObject({
    header: z.string().min(1).optional(),
    cookie: z.string().min(1).optional(),
    path: z.literal(true).optional(),
  })
  .refine((h) => [h.header, h.cookie, h.path].filter((v) => v !== undefined).length === 1, {
    message: "hash on exactly one of header, cookie or path",
  });

const outlierSchema = z.strictObject({
  /** Consecutive 5xx / connect errors / timeouts that eject an upstream (Envoy's consecutive_5xx). 0 = off. */
  consecutive_errors: z.number().int().min(0).default(5),
  base_ejection: durationSchema.default(30_000),
  max_ejection: durationSchema.default(300_000),
  max_ejection_percent: z.number().min(0).max(100).default(50),
});

const upstreamGroupSchema = z.strictObject({
  balancer: z.enum(BALANCER_NAMES).default("weighted-round-robin"),
  hash: hashSchema.optional(),
  servers: z.array(serverSchema).min(1),
  health_check: z.discriminatedUnion("kind", [httpCheckSchema, tcpCheckSchema]).optional(),
  outlier: outlierSchema.prefault({}),
  /** Below this percentage of healthy primaries, serve all primaries (Envoy's panic threshold). 0 = off. */
  panic_threshold: z.number().min(0).max(100).default(50),
  /** Readiness: this group needs at least this many healthy upstreams. */
  min_healthy: z.number().int().min(0).default(1),
  /** Connections per upstream (undici pool size); requests beyond it queue. */
  max_connections: z.number().int().min(1).max(10_000).default(256),
  /** How long an idle pooled connection to an upstream is kept (undici keepAliveTimeout). */
  keep_alive: durationSchema.default(4_000),
});

const timeoutsSchema = z.strictObject({
  /** Whole request head from the client (slowloris guard). */
  client_header: durationSchema.default(10_000),
  /** Whole request from the client, body included. */
  client_request: durationSchema.default(60_000),
  /** Idle keep-alive connection from a client. */
  client_keep_alive: durationSchema.default(5_000),
  upstream_connect: durationSchema.default(5_000),
  /** Until the upstream's response head (504 when exceeded). */
  upstream_header: durationSchema.default(60_000),
  /** Between two chunks of the upstream's response body. */
  upstream_body: durationSchema.default(60_000),
  /** SIGTERM: how long in-flight requests may take to finish. */
  shutdown: durationSchema.default(30_000),
  /** SIGTERM: how long /ready fails before the listeners close, so tier 1 notices first. */
  shutdown_delay: durationSchema.default(0),
});

const limitsSchema = z.strictObject({
  max_header_bytes: z
    .number()
    .int()
    .min(1024)
    .max(1024 * 1024)
    .default(16 * 1024),
  max_client_connections: z.number().int().min(1).default(10_000),
});

const retriesSchema = z.strictObject({
  /** Attempts per request, the first included. 1 disables retries. */
  tries: z.number().int().min(1).max(10).default(3),
  /** Envoy retry budget: concurrent retries may be at most this share of active requests… */
  budget_percent: z.number().min(0).max(100).default(20),
  /** …but this many are always allowed. */
  min_concurrent: z.number().int().min(0).default(3),
});

const adminSchema = z.strictObject({
  address: listenAddress.default({ host: "127.0.0.1", port: 9090 }),
  /** Bearer token for write endpoints (drain); without it they are disabled. */
  token: z.string().min(16, "the admin token must be at least 16 characters").optional(),
});

export const proxyConfigSchema = z.strictObject({
  listeners: z.array(listenerSchema).min(1),
  admin: adminSchema.prefault({}),
  routes: z.array(routeSchema).min(1),
  upstreams: z.record(
    z.string().regex(/^[A-Za-z0-9_.-]+$/, "upstream names use [A-Za-z0-9_.-]"),
    upstreamGroupSchema,
  ),
  trusted_proxies: z.array(cidr).default([]),
  /** Pseudonym in the `Via` header added to requests and responses (RFC 9110 §7.6.3); false = no Via. */
  via: z
    .union([z.literal(false), z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "via is a token, e.g. gslb")])
    .default("gslb"),
  timeouts: timeoutsSchema.prefault({}),
  limits: limitsSchema.prefault({}),
  retries: retriesSchema.prefault({}),
});

export type ProxyConfigInput = z.input<typeof proxyConfigSchema>;
export type ProxyConfigData = z.infer<typeof proxyConfigSchema>;
export type UpstreamGroupConfig = z.infer<typeof upstreamGroupSchema>;
export type ServerConfig = z.infer<typeof serverSchema>;
export type RouteConfig = z.infer<typeof routeSchema>;
export type HashConfig = z.infer<typeof hashSchema>;
export type StickyConfig = z.infer<typeof stickySchema>;
