/**
 * Integration helpers: gslb as a real child process (`node src/cli.ts serve` on 127.0.0.1 port 0; the ports
 * come from its "serving" log line), a small UDP DNS client and a GeoIP fixture. Everything
 * started here is stopped by its handle/PID.
 */
import { spawn } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeMessage, type DecodedMessage } from "../../src/dns/wire/message.ts";
import { CLI, ROOT } from "../helpers/gslb-cli.ts";
import { writeMmdb } from "../helpers/mmdb-writer.ts";
import { stopChild } from "../helpers/processes.ts";
import { buildQuery, ecsOption } from "../dns/wire/packets.ts";

export const ADMIN_TOKEN = "integration-test-token-0123456789";

/** Countries of the generated GeoIP fixture: 81.2/16 GB (EU), 8.8/16 US (NA), 1/8 JP (AS, the default). */
export function writeGeoFixture(file: string): void {
  writeFileSync(
    file,
    writeMmdb({
      ipVersion: 6,
      networks: [
        { network: "81.2.0.0/16", record: { country: { iso_code: "GB" } } },
        { network: "8.8.0.0/16", record: { country: { iso_code: "US" } } },
        { network: "1.0.0.0/8", record: { country: { iso_code: "JP" } } },
        { network: "127.0.0.0/8", record: { country: { iso_code: "DE" } } },
      ],
    }),
  );
}

export interface ServerProcess {
  readonly pid: number;
  readonly dnsPort: number;
  readonly adminPort: number;
  readonly admin: string;
  /** Everything the server logged so far (JSON lines). */
  log(): string;
  stop(): Promise<void>;
}

/** `gslb serve` with the given extra flags; resolves once it serves (after the first health round in wait mode). */
export async function spawnServer(args: readonly string[], timeoutMs = 10_000): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      "serve",
      "--dns",
      "127.0.0.1:0",
      "--admin",
      "127.0.0.1:0",
      "--admin-token",
      ADMIN_TOKEN,
      "--log-level",
      "info",
      ...args,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr!.setEncoding("utf8");
  const ports = await new Promise<{ dns: number; admin: number }>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`gslb did not start in ${timeoutMs} ms:\n${stderr}`)),
      timeoutMs,
    );
    child.stderr!.on("data", (chunk: string) => {
      stderr += chunk;
      const line = stderr.split("\n").find((l) => l.includes('"msg":"serving"'));
      if (line === undefined) return;
      clearTimeout(timer);
      const parsed = JSON.parse(line) as { dns: string[]; admin: string };
      resolve({ dns: Number(parsed.dns[0]!.split(":").pop()), admin: Number(parsed.admin.split(":").pop()) });
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`gslb exited with ${code}:\n${stderr}`));
    });
  }).catch((err: unknown) => {
    child.kill("SIGKILL");
    throw err;
  });
  return {
    pid: child.pid!,
    dnsPort: ports.dns,
    adminPort: ports.admin,
    admin: `127.0.0.1:${ports.admin}`,
    log: () => stderr,
    stop: () => stopChild(child),
  };
}

export interface AskOptions {
  readonly type?: number;
  /** An ECS subnet such as "81.2.69.0/24" (IPv4). */
  readonly subnet?: string;
  readonly timeoutMs?: number;
}

/** One UDP query to 127.0.0.1:port, the reply decoded. */
export async function ask(port: number, name: string, options: AskOptions = {}): Promise<DecodedMessage> {
  const socket = createSocket("udp4");
  try {
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply for ${name}`)), options.timeoutMs ?? 2000);
      socket.once("message", (msg) => {
        clearTimeout(timer);
        resolve(msg);
      });
      socket.send(queryPacket(name, options), port, "127.0.0.1");
    });
    const decoded = decodeMessage(reply);
    if (decoded.kind !== "message") throw new Error("malformed reply");
    return decoded;
  } finally {
    socket.close();
  }
}

export function queryPacket(name: string, options: AskOptions = {}, id = 0x4242): Buffer {
  const opts: { options: [number, number[]][] }[] = [];
  if (options.subnet !== undefined) {
    const [address, prefix] = options.subnet.split("/");
    const bytes = address!
      .split(".")
      .map(Number)
      .slice(0, Math.ceil(Number(prefix) / 8));
    opts.push({ options: [ecsOption(1, Number(prefix), 0, bytes)] });
  }
  return buildQuery({ id, qname: name, qtype: options.type ?? 1, opts });
}

/** The A addresses of a reply's answer section. */
export function addresses(reply: DecodedMessage): string[] {
  return reply.answer.flatMap((r) => (r.rdata.kind === "A" ? [r.rdata.address] : []));
}

export async function answerOf(port: number, name: string, options: AskOptions = {}): Promise<string> {
  return addresses(await ask(port, name, options)).join(",");
}

/** Polls `read` until `accept` holds; returns the value and when it held (ms since the call). */
export async function waitUntil<T>(
  read: () => Promise<T>,
  accept: (value: T) => boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<{ value: T; afterMs: number }> {
  const start = Date.now();
  for (;;) {
    const value = await read();
    if (accept(value)) return { value, afterMs: Date.now() - start };
    if (Date.now() - start > timeoutMs)
      throw new Error(`condition not met in ${timeoutMs} ms; last value ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function adminCall(
  admin: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://${admin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

const RESEND_AFTER_MS = 2_000;

/**
 * Many queries over UDP with a window of `inFlight` outstanding, counting the A address of each answer.
 * Replies are matched by id; lost ones are resent after RESEND_AFTER_MS.
 */
export async function blast(
  port: number,
  name: string,
  total: number,
  inFlight = 64,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const socket: Socket = createSocket("udp4");
  const template = queryPacket(name);
  // dgram sends asynchronously and does not copy: every packet in flight needs its own buffer.
  const packetWithId = (id: number): Buffer => {
    const packet = Buffer.from(template);
    packet.writeUInt16BE(id, 0);
    return packet;
  };
  const pending = new Map<number, number>();
  let sent = 0;
  let done = 0;
  await new Promise<void>((resolve, reject) => {
    const sendNext = (): void => {
      while (pending.size < inFlight && sent < total) {
        const id = sent++ & 0xffff;
        pending.set(id, Date.now());
        socket.send(packetWithId(id), port, "127.0.0.1");
      }
    };
    // Loopback loses a datagram only when a socket buffer is full; resend late and rarely, so that a server
    // slowed by a busy machine is not buried under duplicates (a retry storm that never drains).
    const retry = setInterval(() => {
      const now = Date.now();
      for (const [id, at] of pending) {
        if (now - at < RESEND_AFTER_MS) continue;
        pending.set(id, now);
        socket.send(packetWithId(id), port, "127.0.0.1");
      }
    }, 250);
    socket.on("error", (err) => {
      clearInterval(retry);
      reject(err);
    });
    socket.on("message", (msg) => {
      const id = msg.readUInt16BE(0);
      if (!pending.delete(id)) return;
      // The answer is one A record at the end of the message (no OPT was sent).
      const address = `${msg[msg.length - 4]}.${msg[msg.length - 3]}.${msg[msg.length - 2]}.${msg[msg.length - 1]}`;
      counts.set(address, (counts.get(address) ?? 0) + 1);
      done++;
      if (done === total) {
        clearInterval(retry);
        resolve();
      } else sendNext();
    });
    socket.bind(0, "127.0.0.1", sendNext);
  });
  socket.close();
  return counts;
}

/** A geo record: EU → 192.0.2.1, US → 198.51.100.1, anyone else → 203.0.113.1 (zone gslb.test.). */
export const GEO_ZONE = `zone: gslb.test.
ttl: 3600
records:
  "@":
    SOA: ns1 hostmaster 1 7200 3600 1209600 60
    NS: ns1
  ns1: { A: 192.0.2.53 }
  www: { A: { policy: www-geo } }
pools:
  eu: { targets: [{ address: 192.0.2.1 }] }
  na: { targets: [{ address: 198.51.100.1 }] }
  other: { targets: [{ address: 203.0.113.1 }] }
policies:
  www-geo:
    type: geo
    rules:
      - { continent: EU, use: eu }
      - { country: US, use: na }
    default: other
    ttl: { healthy: 300 }
`;

/**
 * Serves one zone file from `<dir>/zones` with the generated GeoIP fixture (`<dir>/geo.mmdb`), its state under
 * `<dir>/state`, no file watching: the common start of the integration tests.
 */
export async function spawnZoneServer(dir: string, file: string, text: string): Promise<ServerProcess> {
  const zones = join(dir, "zones");
  mkdirSync(zones, { recursive: true });
  writeFileSync(join(zones, file), text);
  const geoip = join(dir, "geo.mmdb");
  writeGeoFixture(geoip);
  return spawnServer(["--zones", zones, "--geoip", geoip, "--state-dir", join(dir, "state"), "--no-watch"]);
}
