import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import dgram from "node:dgram";
import { freePort } from "./free-port.ts";

export interface KnotServer {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** Starts Knot DNS (Debian `knot`) on 127.0.0.1 serving the given master files; stopped by PID. */
export interface KnotOptions {
  /** UDP and TCP worker threads (benchmarks use 1: one core, like gslb). */
  readonly workers?: number;
  /** Pin knotd to this CPU list with taskset. */
  readonly cpu?: string;
}

export async function startKnot(
  zones: readonly { origin: string; text: string }[],
  options: KnotOptions = {},
): Promise<KnotServer> {
  const dir = mkdtempSync(join(tmpdir(), "gslb-knot-"));
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
      : [`    udp-workers: ${options.workers}`, `    tcp-workers: ${options.workers}`, "    background-workers: 1"]),
    "log:",
    "  - target: stderr",
    "    any: error",
    "database:",
    `    storage: "${dir}"`,
    "zone:",
    zoneConf,
  ].join("\n");
  writeFileSync(join(dir, "knot.conf"), conf);
  const args = ["-c", join(dir, "knot.conf")];
  const child: ChildProcess =
    options.cpu === undefined
      ? spawn("knotd", args, { stdio: ["ignore", "ignore", "pipe"] })
      : spawn("taskset", ["-c", options.cpu, "knotd", ...args], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => (stderr += d.toString()));
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

/** Polls with a SOA query until the server answers (at most ~10 s). */
export async function waitForDns(host: string, port: number, zone: string, log: () => string): Promise<void> {
  const query = soaQuery(zone);
  for (let i = 0; i < 100; i++) {
    const answered = await new Promise<boolean>((resolve) => {
      const socket = dgram.createSocket("udp4");
      const timer = setTimeout(() => {
        socket.close();
        resolve(false);
      }, 100);
      socket.once("message", () => {
        clearTimeout(timer);
        socket.close();
        resolve(true);
      });
      socket.send(query, port, host);
    });
    if (answered) return;
  }
  throw new Error(`DNS server on ${host}:${port} did not answer: ${log()}`);
}

function soaQuery(zone: string): Buffer {
  const labels = zone.split(".").filter((l) => l !== "");
  const parts = [Buffer.from([0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0])];
  for (const label of labels) parts.push(Buffer.from([label.length]), Buffer.from(label, "ascii"));
  parts.push(Buffer.from([0, 0, 6, 0, 1]));
  return Buffer.concat(parts);
}
