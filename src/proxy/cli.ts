/** `gslb proxy --config FILE`: run one region's L7 proxy until SIGTERM/SIGINT; SIGHUP reloads the file. */
import { parseArgs } from "node:util";
import { ErrorCodes, GslbError } from "../errors.ts";
import { createLogger } from "../log.ts";
import { loadProxyConfig } from "./config/load.ts";
import { RegionalProxy } from "./proxy.ts";

export const PROXY_SUMMARY = "run a regional L7 proxy (tier 2)";

export const PROXY_USAGE = `Usage: gslb proxy --config FILE [--check] [--log-level LEVEL]

Runs one region's HTTP(S) load balancer: routes by host and path to upstream groups, balances with
round-robin, weighted-round-robin, least-connections, least-response-time, power-of-two, ip-hash,
consistent-hash or random, with active and passive health, retries, draining and slow start.

Options:
  --config FILE      proxy configuration (YAML); see examples/proxy/proxy.yaml
  --check            validate the configuration and exit (0 valid, 1 with every problem listed)
  --log-level LEVEL  fatal|error|warn|info|debug|trace|silent (default info)
  -h, --help         this text

Signals: SIGHUP reloads the configuration (a bad file keeps the running one);
SIGTERM/SIGINT fail /ready, stop accepting, and wait for in-flight requests (timeouts.shutdown).
Admin API (admin.address): /health /ready /metrics /status; POST /upstreams/GROUP/ID/drain (bearer token).
`;

export async function runProxyCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      check: { type: "boolean", default: false },
      "log-level": { type: "string", default: "info" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(PROXY_USAGE);
    return 0;
  }
  if (values.config === undefined) throw new GslbError(ErrorCodes.USAGE, "--config FILE is required");
  const file = values.config;
  const config = await loadProxyConfig(file);
  if (values.check) {
    process.stdout.write(
      `${file}: ok (${Object.keys(config.upstreams).length} upstream groups, ${config.routes.length} routes)\n`,
    );
    return 0;
  }
  const logger = createLogger(values["log-level"], "gslb-proxy");
  const proxy = await RegionalProxy.start(config, { logger });
  logger.info({ listeners: proxy.listenAddresses, admin: proxy.adminAddress }, "proxy listening");

  const onHup = (): void => {
    loadProxyConfig(file).then(
      (next) => proxy.reload(next),
      (error: unknown) =>
        logger.error(
          { error: error instanceof Error ? error.message : String(error) },
          "reload failed; keeping the running configuration",
        ),
    );
  };
  process.on("SIGHUP", onHup);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, "signal received");
      proxy.shutdown().then(resolve, resolve);
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  process.off("SIGHUP", onHup);
  logger.info("proxy stopped");
  logger.flush();
  return 0;
}
