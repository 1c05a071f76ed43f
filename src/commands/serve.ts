import { parseArgs } from "node:util";
import type { Command } from "../cli.ts";
import { parseServeOptions } from "../config/serve-options.ts";
import { createLogger } from "../log.ts";
import { startServer, type RunningServer } from "../main.ts";

const USAGE = `Usage: gslb serve [options]

Serve every zone file of a directory over DNS (UDP and TCP), reloading on change and on SIGHUP.

Options:
  --zones DIR            zone files (*.yaml) to serve                    [default: zones]
  --dns ADDR:PORT        DNS listen address, repeatable                  [default: 127.0.0.1:5353]
  --admin ADDR:PORT|off  admin HTTP API and /metrics                     [default: 127.0.0.1:8053]
  --admin-token TOKEN    bearer token for admin writes (or GSLB_ADMIN_TOKEN); without it writes are refused
  --geoip FILE           GeoIP2/GeoLite2 (Country or City) .mmdb        [default: the bundled database]
  --state-dir DIR        health states, overrides, audit log, drill reports   [default: .gslb-state]
  --health-start wait|assume-up   wait: answer only after every check's first result;
                         assume-up: answer at once, unchecked targets count as up   [default: wait]
  --probe-threads 0|1    1: probes run in the gslb-prober worker thread; 0: on the main thread   [default: 1]
  --drills FILE          scheduled failover drills (YAML, see docs/health/drills.md)
  --udp-payload N        largest UDP response with EDNS, 512..4096       [default: 1232]
  --nsid TEXT            RFC 5001 name server identifier                 [default: off]
  --identity TEXT|off    CHAOS TXT id.server                             [default: gslb]
  --version-string TEXT|off  CHAOS TXT version.bind                      [default: gslb]
  --no-watch             do not watch the zone directory (SIGHUP still reloads)
  --log-level LEVEL      fatal|error|warn|info|debug|trace|silent        [default: info]
  -h, --help             this help
`;

export const serveCommand: Command = {
  summary: "serve zone files over DNS (UDP+TCP) with the admin API",
  usage: USAGE,
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        zones: { type: "string" },
        dns: { type: "string", multiple: true },
        admin: { type: "string" },
        "admin-token": { type: "string" },
        geoip: { type: "string" },
        "state-dir": { type: "string" },
        "health-start": { type: "string" },
        drills: { type: "string" },
        "probe-threads": { type: "string" },
        "udp-payload": { type: "string" },
        nsid: { type: "string" },
        identity: { type: "string" },
        "version-string": { type: "string" },
        "no-watch": { type: "boolean" },
        "log-level": { type: "string" },
      },
    });
    const options = parseServeOptions(
      dropUndefined({
        zones: values.zones,
        dns: values.dns,
        admin: values.admin,
        adminToken: values["admin-token"] ?? process.env["GSLB_ADMIN_TOKEN"],
        geoip: values.geoip,
        stateDir: values["state-dir"],
        healthStart: values["health-start"],
        drills: values.drills,
        probeThreads: values["probe-threads"] === undefined ? undefined : Number(values["probe-threads"]),
        udpPayloadCap: values["udp-payload"] === undefined ? undefined : Number(values["udp-payload"]),
        nsid: values.nsid,
        identity: values.identity,
        version: values["version-string"],
        watch: values["no-watch"] === true ? false : undefined,
        logLevel: values["log-level"],
      }),
    );
    const log = createLogger(options.logLevel);
    // Installed before start-up (which may wait for the first health round): SIGHUP must never kill the server.
    let server: RunningServer | null = null;
    let reloadAfterStart = false;
    const reload = (running: RunningServer): void => {
      log.info("SIGHUP: reloading zones");
      running.reload().catch((err: unknown) => log.error({ err }, "reload failed"));
    };
    process.on("SIGHUP", () => {
      if (server === null) reloadAfterStart = true;
      else reload(server);
    });
    const started = await startServer(options, log);
    server = started;
    if (reloadAfterStart) reload(started);
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log.info({ signal }, "shutting down");
        started.close().then(resolve, resolve);
      };
      process.once("SIGINT", () => stop("SIGINT"));
      process.once("SIGTERM", () => stop("SIGTERM"));
    });
    return 0;
  },
};

function dropUndefined(input: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}
