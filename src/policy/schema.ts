import { z } from "zod";
import { parseIp } from "../geo/address.ts";

/**
 * The zone-file sections of the policy model (DESIGN §4): `checks` (names only here; their fields are the
 * prober's business), `pools` and `policies`. Defaults and units live here and nowhere else.
 * Semantic checks (references, cycles, answer types) are in compile.ts.
 */
const name = z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/i, "names are letters, digits, '-', '_' and '.'");
const ipAddress = z.string().refine((s) => parseIp(s) !== null, "not an IPv4 or IPv6 address");
const hostName = z
  .string()
  .regex(/^([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)+$/i, "an absolute host name with the trailing dot");
/** "192.0.2.1:8080", "[2001:db8::1]:8443", "probe.example.com.:80": a probe address with its own port. */
const hostPort = z.string().refine((s) => {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(s);
  if (match === null || Number(match[3]) > 65_535) return false;
  return match[1] !== undefined
    ? parseIp(match[1]) !== null
    : parseIp(match[2]!) !== null || hostName.safeParse(match[2]).success;
}, "an address, a host name with the trailing dot, or either with :port");
const ttl = z.number().int().min(0).max(2_147_483_647);

export const locationSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

const targetFields = {
  /** Relative share: 0 = drained (never served while another target is healthy). SRV caps at 65535. */
  weight: z.number().int().min(0).max(65_535).default(1),
  /** Name of an entry in `checks`; no check = always up. */
  check: name.optional(),
  /** Where the check probes when it is not the answered address (NAT, VIP). */
  probe: z.union([ipAddress, hostName, hostPort]).optional(),
};

export const addressTargetSchema = z.strictObject({ address: ipAddress, ...targetFields });
export const srvTargetSchema = z.strictObject({
  srv: hostName,
  port: z.number().int().min(0).max(65_535),
  ...targetFields,
});
export const targetSchema = z.union([addressTargetSchema, srvTargetSchema]);

export const poolSchema = z.strictObject({
  targets: z.array(targetSchema).min(1, "a pool needs at least one target"),
  location: locationSchema.optional(),
  capacity: z.number().int().positive().optional(),
  fallback: name.optional(),
});

export const ttlSchema = z
  .strictObject({
    healthy: ttl.default(60),
    degraded: ttl.default(30),
    all_down: ttl.default(10),
    /** While a drill ramps down or runs on a region this policy may answer from (capped by the state's TTL). */
    drill: ttl.default(5),
  })
  .default({ healthy: 60, degraded: 30, all_down: 10, drill: 5 });

export const allDownSchema = z
  .union([z.enum(["serve-all", "nodata", "servfail"]), z.strictObject({ pool: name })])
  .default("serve-all");

const common = { ttl: ttlSchema, when_all_down: allDownSchema };
const names = z.union([name, z.array(name).min(1)]).transform((v) => (typeof v === "string" ? [v] : v));
const codes = (pattern: RegExp, what: string) =>
  z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((v) => (typeof v === "string" ? [v] : v).map((c) => c.toUpperCase()))
    .pipe(z.array(z.string().regex(pattern, what)));

export const stickySchema = z
  .union([
    z.boolean(),
    z.strictObject({
      ipv4_prefix: z.number().int().min(0).max(32).default(24),
      ipv6_prefix: z.number().int().min(0).max(128).default(56),
    }),
  ])
  .default(false)
  .transform((v) => (v === false ? null : v === true ? { ipv4_prefix: 24, ipv6_prefix: 56 } : v));

export const geoRuleSchema = z.strictObject({
  continent: codes(/^(AF|AN|AS|EU|NA|OC|SA)$/, "a continent code: AF AN AS EU NA OC SA").optional(),
  country: codes(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 country code").optional(),
  subdivision: codes(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, "an ISO 3166-2 subdivision code such as US-CA").optional(),
  cidr: z
    .union([z.string(), z.array(z.string()).min(1)])
    .transform((v) => (typeof v === "string" ? [v] : v))
    .optional(),
  use: names,
});

export const latencyRegionSchema = z.strictObject({
  use: name,
  location: locationSchema.optional(),
  weight: z.number().int().min(0).max(65_535).default(1),
});

export const policySchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("static"), pool: name, ...common }),
  z.strictObject({
    type: z.literal("weighted"),
    pool: name,
    answers: z.number().int().min(1).max(64).default(1),
    sticky: stickySchema,
    ...common,
  }),
  z.strictObject({
    type: z.literal("multivalue"),
    pool: name,
    answers: z.number().int().min(1).max(64).default(8),
    ...common,
  }),
  z.strictObject({ type: z.literal("failover"), members: z.array(name).min(1), ...common }),
  z.strictObject({
    type: z.literal("geo"),
    rules: z.array(geoRuleSchema).default([]),
    default: names,
    ...common,
  }),
  z.strictObject({
    type: z.literal("latency"),
    regions: z.array(latencyRegionSchema).min(1),
    tolerance_ms: z.number().min(0).default(0),
    table: z.record(z.string(), z.record(z.string(), z.number().min(0))).optional(),
    ...common,
  }),
  z.strictObject({ type: z.literal("srv"), pools: z.array(name).min(1), ...common }),
]);

/** The three top-level zone sections; merge `policySectionsShape` into the zone file's own object schema. */
export const policySectionsShape = {
  checks: z.record(name, z.record(z.string(), z.unknown())).default({}),
  pools: z.record(name, poolSchema).default({}),
  policies: z.record(name, policySchema).default({}),
};
export const policySectionsSchema = z.object(policySectionsShape);

export type PolicySections = z.infer<typeof policySectionsSchema>;
export type PoolConfig = z.infer<typeof poolSchema>;
export type PolicyConfig = z.infer<typeof policySchema>;
export type TargetConfig = z.infer<typeof targetSchema>;
