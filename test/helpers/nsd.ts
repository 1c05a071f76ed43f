import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { tempDir } from "./temp-dir.ts";
import { runDnsDaemon, type DnsDaemon } from "./dns-daemon.ts";

export type NsdServer = DnsDaemon;

/** Starts NSD (Debian `nsd`) in the foreground on 127.0.0.1 serving the given master files; stopped by PID. */
export async function startNsd(zones: readonly { origin: string; text: string }[]): Promise<NsdServer> {
  const temp = tempDir("nsd");
  const dir = temp.path;
  const port = await freePort();
  const zoneConf = zones.map((z, i) => {
    writeFileSync(join(dir, `zone${i}.zone`), z.text);
    return `zone:\n  name: "${z.origin}"\n  zonefile: "zone${i}.zone"\n`;
  });
  const conf = [
    "server:",
    `  ip-address: 127.0.0.1@${port}`,
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: "${dir}"`,
    `  pidfile: "${join(dir, "nsd.pid")}"`,
    '  database: ""',
    `  xfrdfile: "${join(dir, "xfrd.state")}"`,
    `  zonelistfile: "${join(dir, "zone.list")}"`,
    `  logfile: "${join(dir, "nsd.log")}"`,
    "  server-count: 1",
    "  verbosity: 0",
    // Debian builds NSD with response rate limiting on: tests send bursts from one address.
    "  rrl-ratelimit: 0",
    "  rrl-whitelist-ratelimit: 0",
    "remote-control:",
    "  control-enable: no",
    ...zoneConf,
  ].join("\n");
  writeFileSync(join(dir, "nsd.conf"), conf);
  return runDnsDaemon("nsd", ["-d", "-c", join(dir, "nsd.conf")], temp, port, zones[0]?.origin ?? ".");
}
