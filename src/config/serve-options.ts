import { z } from "zod";
import { ErrorCodes, GslbError } from "../errors.ts";
import { parseHostPort } from "../dns/server/transport.ts";

const hostPort = z.string().refine((s) => parseHostPort(s) !== null, {
  message: "expected ADDR:PORT, e.g. 127.0.0.1:5353 or [::1]:5353",
});

/** Options of `gslb serve`: the one place that holds their defaults and units. */
export const ServeOptionsSchema = z
  .object({
    zones: z.string().min(1).default("zones"),
    /** One or more DNS listen addresses; each gets UDP and TCP. */
    dns: z.array(hostPort).min(1).default(["127.0.0.1:5353"]),
    /** Admin HTTP API; "off" disables it. */
    admin: z.union([hostPort, z.literal("off")]).default("127.0.0.1:8053"),
    adminToken: z.string().min(16, "the admin token must be at least 16 characters").optional(),
    geoip: z.string().min(1).optional(),
    /** Health state file, audit log (JSON lines) and drill reports live here. */
    stateDir: z.string().min(1).default(".gslb-state"),
    /** "wait": answer only after every target's first probe result; "assume-up": answer at once, unchecked = up. */
    healthStart: z.enum(["wait", "assume-up"]).default("wait"),
    /** 1: probe I/O in the `gslb-prober` worker thread, off the query thread; 0: in-process (debugging). */
    probeThreads: z
      .union([z.literal(0), z.literal(1)], { error: "expected 0 (in-process) or 1 (worker thread)" })
      .default(1),
    /** Drills file (YAML); none: no drills. */
    drills: z.string().min(1).optional(),
    /** Largest UDP response we send with EDNS (RFC 6891 §6.2.5; 1232 avoids fragmentation). */
    udpPayloadCap: z.number().int().min(512).max(4096).default(1232),
    nsid: z.string().max(128).optional(),
    /** CHAOS TXT id.server / hostname.bind; "off" answers REFUSED. */
    identity: z.string().default("gslb"),
    /** CHAOS TXT version.bind / version.server; "off" answers REFUSED. */
    version: z.string().default("gslb"),
    watch: z.boolean().default(true),
    tcpIdleTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
    tcpMessageDeadlineMs: z.number().int().min(100).max(600_000).default(5_000),
    tcpMaxConnections: z.number().int().min(1).max(100_000).default(1_000),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict();

export type ServeOptions = Readonly<z.infer<typeof ServeOptionsSchema>>;

export function parseServeOptions(input: unknown): ServeOptions {
  const parsed = ServeOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${flagOf(String(i.path[0] ?? ""))}: ${i.message}`);
    throw new GslbError(ErrorCodes.USAGE, lines.join("\n"));
  }
  return Object.freeze(parsed.data);
}

/** Option keys whose command-line flag is not simply the key in kebab case. */
const FLAG_NAMES: Readonly<Record<string, string>> = {
  udpPayloadCap: "udp-payload",
  version: "version-string",
};

/** The flag a user typed for an option key: adminToken → --admin-token. */
function flagOf(key: string): string {
  return `--${FLAG_NAMES[key] ?? key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
