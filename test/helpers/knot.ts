import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { runDnsDaemon, type DnsDaemon } from "./dns-daemon.ts";
import { freePort } from "./free-port.ts";
import { tempDir } from "./temp-dir.ts";

export type KnotServer = DnsDaemon;

export interface KnotOptions {
  /** UDP and TCP worker threads (benchmarks use 1: one core, like gslb). */
  readonly workers?: number;
  /** Pin knotd to this CPU list with taskset. */
  readonly cpu?: string;
}

/** Starts Knot DNS (Debian `knot`) on 127.0.0.1 serving the given master files; stopped by PID. */
export async function startKnot(
  zones: readonly { origin: string; text: string }[],
  options: KnotOptions = {},
): Promise<KnotServer> {
  const temp = tempDir("knot");
  const dir = temp.path;
  const port = await freePort();
  const zoneConf = zones
    .map((z, i) => {
      const file = join(dir, `zone${i}.zone`);
      writeFileSync(file, z.text);
      return `  - domain: "${z.origin}"\n    file: "${file}"\n    storage: "${dir}"\n`;
    })
    .join("");
  const conf = [
    "server:",
    `    rundir: "${dir}"`,
    `    pidfile: "${join(dir, "knotd.pid")}"`,
    `    listen: 127.0.0.1@${port}`,
    ...(options.workers === undefined
      ? []
      : [
          `    udp-workers: ${options.workers}`,
          `    tcp-workers: ${options.workers}`,
          "    background-workers: 1",
        ]),
    "log:",
    "  - target: stderr",
    "    any: error",
    "database:",
    `    storage: "${dir}"`,
    "zone:",
    zoneConf,
  ].join("\n");
  writeFileSync(join(dir, "knot.conf"), conf);
  const knotd = ["knotd", "-c", join(dir, "knot.conf")] as const;
  const [command, ...args] = options.cpu === undefined ? knotd : ["taskset", "-c", options.cpu, ...knotd];
  return runDnsDaemon(command, args, temp, port, zones[0]?.origin ?? ".");
}
