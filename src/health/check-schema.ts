/**
 * The one schema for health-check definitions (STYLE §9): defaults and units live here and nowhere else.
 * Durations are written `500ms`, `1s`, `2m` or as a bare number of seconds; they parse to milliseconds.
 *
 * ```yaml
 * checks:
 *   web:      { kind: http, path: /health, host: app.example.com, expect: ["200-299", 301], interval: 1s }
 *   db:       { kind: tcp, port: 5432 }
 *   resolver: { kind: dns, name: example.com., type: A, expectRcode: NOERROR }
 *   region:   { kind: proxy, port: 8080 }
 *   both:     { kind: composite, mode: all, checks: [web, db] }
 * ```
 */
import { z } from "zod";

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

export function parseDurationMs(text: string): number | undefined {
  const match = DURATION.exec(text.trim());
  if (match === null) return undefined;
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS]);
}

/** A duration in milliseconds: `"1.5s"`, `"250ms"`, `"2m"`, or a number of seconds. */
export const durationSchema = z.union([z.number().nonnegative(), z.string()]).transform((value, ctx) => {
  if (typeof value === "number") return Math.round(value * 1000);
  const ms = parseDurationMs(value);
  if (ms === undefined) {
    ctx.addIssue({ code: "custom", message: `invalid duration "${value}" (use e.g. 500ms, 2s, 1m)` });
    return z.NEVER;
  }
  return ms;
});

/** Probe intervals and timeouts: 0 would probe back to back, or switch the TCP socket timeout off. */
const positiveDurationSchema = durationSchema.pipe(z.number().positive("must be longer than 0 ms"));

const port = z.number().int().min(1).max(65535);

/** One status or an inclusive range: `200`, `"204"`, `"200-399"`. Parsed to [low, high]. */
const statusRange = z
  .union([z.number().int(), z.string()])
  .transform((value, ctx): readonly [number, number] => {
    const match = /^(\d{3})(?:-(\d{3}))?$/.exec(String(value).trim());
    const low = match === null ? NaN : Number(match[1]);
    const high = match?.[2] === undefined ? low : Number(match[2]);
    if (!(low >= 100 && high <= 599 && low <= high)) {
      ctx.addIssue({
        code: "custom",
        message: `invalid status or range "${value}" (use e.g. 200 or "200-399")`,
      });
      return z.NEVER;
    }
    return [low, high];
  });

const regexSchema = z.string().transform((source, ctx) => {
  try {
    return new RegExp(source);
  } catch (error) {
    ctx.addIssue({ code: "custom", message: `invalid regex: ${(error as Error).message}` });
    return z.NEVER;
  }
});

/** Fields every check has. `jitter` is a fraction of the interval: 0.1 spreads runs over interval ± 10 %. */
const common = {
  interval: positiveDurationSchema.default(10_000),
  timeout: positiveDurationSchema.default(5_000),
  rise: z.number().int().min(1).max(100).default(2),
  fall: z.number().int().min(1).max(100).default(3),
  jitter: z.number().min(0).max(0.5).default(0.1),
  /** Port when the probe address has none. */
  port: port.optional(),
};

export const httpCheckSchema = z.strictObject({
  kind: z.enum(["http", "https"]),
  ...common,
  method: z.enum(["GET", "HEAD", "POST", "OPTIONS"]).default("GET"),
  path: z.string().startsWith("/").default("/"),
  /** Host header (and TLS SNI); default: the probe address. */
  host: z.string().min(1).optional(),
  headers: z.record(z.string(), z.string()).default({}),
  expect: z
    .array(statusRange)
    .min(1)
    .default([[200, 399]]),
  /** The body must contain this text. */
  body: z.string().min(1).optional(),
  /** The body must match this regular expression. */
  bodyRegex: regexSchema.optional(),
  /** Verify the server certificate (https). Off for self-signed backends. */
  tlsVerify: z.boolean().default(true),
  /** TCP+TLS connect timeout; default: the check's timeout. */
  connectTimeout: positiveDurationSchema.optional(),
});

export const tcpCheckSchema = z.strictObject({
  kind: z.literal("tcp"),
  ...common,
});

export const RCODES = ["NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"] as const;

export const dnsCheckSchema = z.strictObject({
  kind: z.literal("dns"),
  ...common,
  name: z.string().min(1),
  type: z.enum(["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV"]).default("A"),
  expectRcode: z.enum(RCODES).default("NOERROR"),
  /** One answer's data must equal this (address, target name or TXT text). */
  expectAnswer: z.string().min(1).optional(),
});

/** A regional L7 proxy's readiness endpoint: up only while it answers `{"ready": true, ...}`. */
export const proxyCheckSchema = z.strictObject({
  kind: z.literal("proxy"),
  ...common,
  path: z.string().startsWith("/").default("/ready"),
  /** Also require at least this many healthy backends. */
  minHealthy: z.number().int().min(0).default(0),
});

export const compositeCheckSchema = z.strictObject({
  kind: z.literal("composite"),
  ...common,
  mode: z.enum(["all", "any", "at-least"]).default("all"),
  /** For mode at-least: how many member checks must pass. */
  n: z.number().int().min(1).optional(),
  /** Names of other checks, run against the same probe address. */
  checks: z.array(z.string().min(1)).min(1),
});

export const checkSchema = z
  .discriminatedUnion("kind", [
    httpCheckSchema,
    tcpCheckSchema,
    dnsCheckSchema,
    proxyCheckSchema,
    compositeCheckSchema,
  ])
  .superRefine((check, ctx) => {
    if (check.timeout > check.interval) {
      ctx.addIssue({ code: "custom", path: ["timeout"], message: "timeout must not exceed interval" });
    }
    if (check.kind === "composite" && check.mode === "at-least" && check.n === undefined) {
      ctx.addIssue({ code: "custom", path: ["n"], message: "mode at-least needs n" });
    }
    if (check.kind === "composite" && check.n !== undefined && check.n > check.checks.length) {
      ctx.addIssue({
        code: "custom",
        path: ["n"],
        message: `n ${check.n} exceeds the ${check.checks.length} checks`,
      });
    }
  });

/** The `checks:` map of a zone file: name → definition. */
export const checksSchema = z.record(
  z.string().regex(/^[A-Za-z0-9_.-]+$/, "check names use [A-Za-z0-9_.-]"),
  checkSchema,
);

export type CheckInput = z.input<typeof checkSchema>;
export type Check = z.infer<typeof checkSchema>;
export type HttpCheck = z.infer<typeof httpCheckSchema>;
export type TcpCheck = z.infer<typeof tcpCheckSchema>;
export type DnsCheck = z.infer<typeof dnsCheckSchema>;
export type ProxyCheck = z.infer<typeof proxyCheckSchema>;
export type CompositeCheck = z.infer<typeof compositeCheckSchema>;

/** Issues of one check definition, paths relative to it: for the zone loader's `validateCheck` hook. */
export function checkDefinitionIssues(definition: unknown): { path: (string | number)[]; reason: string }[] {
  const parsed = checkSchema.safeParse(definition);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => ({
    path: issue.path.filter((s): s is string | number => typeof s !== "symbol"),
    reason: issue.message,
  }));
}
