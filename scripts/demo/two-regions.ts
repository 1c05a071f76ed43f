/**
 * Two-region demo (issue 5): two gslb proxies (regions A and B), each with two node:http backends, behind
 * one gslb DNS zone whose failover policy probes each proxy's /ready (`kind: proxy` check).
 * Stopping every backend of region A makes A's /ready fail, and the DNS answer moves to region B.
 *
 *   node scripts/demo/two-regions.ts        (needs `dig`: scripts/install-debian-tools.sh)
 *
 * Everything binds 127.0.0.1 on free ports and is stopped by PID at the end. Exit 0 when the answer moved.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../../test/helpers/free-port.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const ANSWER = { a: "192.0.2.10", b: "198.51.100.10" } as const;

async function backend(name: string): Promise<Server> {
  const server = createServer((_req, res) => res.end(`${name}\n`));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

const portOf = (server: Server) => (server.address() as { port: number }).port;

function proxyConfig(listen: number, admin: number, backends: readonly Server[]): string {
  return `listeners: [{ address: 127.0.0.1:${listen} }]
admin: { address: 127.0.0.1:${admin} }
routes: [{ upstream: app }]
upstreams:
  app:
    min_healthy: 1
    health_check: { kind: http, path: /, interval: 500ms, timeout: 400ms, rise: 1, fall: 1, jitter: 0 }
    servers:
${backends.map((b) => `      - { address: 127.0.0.1:${portOf(b)} }`).join("\n")}
`;
}

function zone(adminA: number, adminB: number): string {
  return `zone: demo.example.
ttl: 60
records:
  "@":
    SOA: ns1 hostmaster 2026010101 7200 3600 1209600 300
    NS: [ns1]
  ns1: { A: 192.0.2.53 }
  app:
    A: { policy: app }
checks:
  region-ready: { kind: proxy, interval: 500ms, timeout: 400ms, rise: 1, fall: 1, jitter: 0 }
pools:
  region-a:
    targets: [{ address: ${ANSWER.a}, check: region-ready, probe: "127.0.0.1:${adminA}" }]
  region-b:
    targets: [{ address: ${ANSWER.b}, check: region-ready, probe: "127.0.0.1:${adminB}" }]
policies:
  app:
    type: failover
    members: [region-a, region-b]
    ttl: { healthy: 5, degraded: 5, all_down: 5 }
`;
}

function dig(port: number): string {
  return spawnSync(
    "dig",
    ["@127.0.0.1", "-p", String(port), "+short", "+tries=1", "+time=1", "app.demo.example", "A"],
    { encoding: "utf8" },
  ).stdout.trim();
}

async function until(what: string, check: () => boolean | Promise<boolean>, ms = 15_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  console.log(`  … gave up waiting for ${what}`);
  return false;
}

async function readyStatus(adminPort: number): Promise<number> {
  try {
    return (await fetch(`http://127.0.0.1:${adminPort}/ready`)).status;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), "gslb-demo-"));
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  const node = (args: string[]) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
    children.push(child);
    return child;
  };
  try {
    const regionA = [await backend("a1"), await backend("a2")];
    const regionB = [await backend("b1"), await backend("b2")];
    servers.push(...regionA, ...regionB);
    const [listenA, adminA, listenB, adminB, dnsPort] = [
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
      await freePort(),
    ];
    writeFileSync(join(dir, "a.yaml"), proxyConfig(listenA, adminA, regionA));
    writeFileSync(join(dir, "b.yaml"), proxyConfig(listenB, adminB, regionB));
    const zones = join(dir, "zones");
    spawnSync("mkdir", ["-p", zones]);
    writeFileSync(join(zones, "demo.example.yaml"), zone(adminA, adminB));

    const run =
      "const m = await import(process.argv[1]); process.exitCode = await m.runProxyCommand(process.argv.slice(2));";
    const cli = new URL("../../src/proxy/cli.ts", import.meta.url).href;
    for (const file of ["a.yaml", "b.yaml"])
      node(["--input-type=module", "-e", run, "--", cli, "--config", join(dir, file), "--log-level", "warn"]);
    node([
      "src/cli.ts",
      "serve",
      "--zones",
      zones,
      "--dns",
      `127.0.0.1:${dnsPort}`,
      "--admin",
      "off",
      "--log-level",
      "warn",
    ]);

    console.log(
      `region A proxy :${listenA} (admin :${adminA}), region B proxy :${listenB} (admin :${adminB}), DNS :${dnsPort}`,
    );
    await until(
      "both proxies ready",
      async () => (await readyStatus(adminA)) === 200 && (await readyStatus(adminB)) === 200,
    );
    // dig prints its errors ("connection refused") on stdout too: wait for an address.
    await until("a DNS answer", () => /^[0-9.]+$/.test(dig(dnsPort)));
    const before = dig(dnsPort);
    console.log(
      `1. all healthy: app.demo.example A → ${before} (region ${before === ANSWER.a ? "A" : before === ANSWER.b ? "B" : "?"})`,
    );

    for (const server of regionA) {
      server.closeAllConnections();
      server.close();
    }
    console.log("2. stopped every backend of region A");
    await until("region A /ready to fail", async () => (await readyStatus(adminA)) === 503);
    console.log(
      `   region A /ready → ${await readyStatus(adminA)}, region B /ready → ${await readyStatus(adminB)}`,
    );
    const moved = await until("the DNS answer to move to region B", () => dig(dnsPort) === ANSWER.b);
    const after = dig(dnsPort);
    console.log(`3. app.demo.example A → ${after} (region ${after === ANSWER.b ? "B" : "A or none"})`);
    console.log(
      moved && before === ANSWER.a ? "OK: the region failed over" : "FAILED: the answer did not move",
    );
    return moved && before === ANSWER.a ? 0 : 1;
  } finally {
    for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    await new Promise((r) => setTimeout(r, 500));
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
