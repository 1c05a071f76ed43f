/** A third-party DNS server (NSD, Knot) run in the foreground for comparison tests and benchmarks. */
import { spawn } from "node:child_process";
import dgram from "node:dgram";
import { header, question } from "./dns-bytes.ts";
import { stopChild } from "./processes.ts";
import type { TempDir } from "./temp-dir.ts";

export interface DnsDaemon {
  readonly host: string;
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Spawns `command args` (which serves on 127.0.0.1:`port` from the files in `dir`), waits until it answers a
 * SOA query for `zone`, and returns a handle that stops it by PID and removes `dir`.
 */
export async function runDnsDaemon(
  command: string,
  args: readonly string[],
  dir: TempDir,
  port: number,
  zone: string,
): Promise<DnsDaemon> {
  const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  try {
    await waitForDns("127.0.0.1", port, zone, () => stderr);
  } catch (err) {
    await stopChild(child);
    dir.remove();
    throw err;
  }
  return {
    host: "127.0.0.1",
    port,
    stop: async () => {
      await stopChild(child);
      dir.remove();
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
  return Buffer.from([...header({ id: 0x1234, flags: 0 }), ...question(zone, 6)]);
}
