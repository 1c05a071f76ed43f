import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { waitForDns } from "./knot.ts";

export interface NsdServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts NSD (Debian `nsd`) in the foreground on 127.0.0.1 serving the given master files; stopped by PID. */
export async function startNsd(zones: readonly { origin: string; text: string }[]): Promise<NsdServer> {
  const dir = mkdtempSync(join(tmpdir(), "gslb-nsd-"));
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
  const child = spawn("nsd", ["-d", "-c", join(dir, "nsd.conf")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  await waitForDns("127.0.0.1", port, zones[0]?.origin ?? ".", () => stderr);
  return {
    host: "127.0.0.1",
    port,
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
