/**
 * Issue 3 acceptance: through a real recursive resolver that forwards ECS (Debian's unbound with the
 * subnetcache module), clients in different countries receive the regions the zone says, and the resolver's
 * cache, keyed by the scope gslb returns, never hands one region's answer to a client of another region.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../helpers/free-port.ts";
import { stopChild } from "../helpers/processes.ts";
import { GEO_ZONE, spawnZoneServer, waitUntil, type ServerProcess } from "./helpers.ts";
import { dig } from "../helpers/dig.ts";
import { tempDir } from "../helpers/temp-dir.ts";

const dir = tempDir("unbound");
let server: ServerProcess;
let unbound: ChildProcess;
let unboundPort: number;
let unboundLog = "";

function unboundConfig(port: number, gslbPort: number): string {
  return `server:
  interface: 127.0.0.1
  port: ${port}
  do-ip6: no
  do-tcp: yes
  chroot: ""
  username: ""
  directory: "${dir.path}"
  pidfile: "${join(dir.path, "unbound.pid")}"
  use-syslog: no
  logfile: ""
  verbosity: 1
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  do-not-query-localhost: no
  qname-minimisation: no
  module-config: "subnetcache iterator"
  send-client-subnet: 127.0.0.1
  client-subnet-always-forward: yes
  max-client-subnet-ipv4: 24
  domain-insecure: "gslb.test."
  # .test is one of unbound's default local zones (RFC 6761): let it through to the stub.
  local-zone: "test." nodefault
stub-zone:
  name: "gslb.test."
  stub-addr: 127.0.0.1@${gslbPort}
  stub-first: no
remote-control:
  control-enable: no
`;
}

beforeAll(async () => {
  server = await spawnZoneServer(dir.path, "gslb.test.yaml", GEO_ZONE);
  unboundPort = await freePort();
  const conf = join(dir.path, "unbound.conf");
  writeFileSync(conf, unboundConfig(unboundPort, server.dnsPort));
  unbound = spawn("unbound", ["-d", "-c", conf], { stdio: ["ignore", "pipe", "pipe"] });
  unbound.stdout!.on("data", (c: Buffer) => (unboundLog += c.toString()));
  unbound.stderr!.on("data", (c: Buffer) => (unboundLog += c.toString()));
  await waitUntil(
    () => digUnbound("ns1.gslb.test", undefined).catch(() => ""),
    (out) => out.includes("192.0.2.53"),
    8000,
    200,
  ).catch((err: unknown) => {
    throw new Error(`unbound did not answer: ${String(err)}\n${unboundLog}`);
  });
}, 20_000);
afterAll(async () => {
  if (unbound !== undefined) await stopChild(unbound);
  await server?.stop();
  dir.remove();
});

function digUnbound(name: string, subnet: string | undefined): Promise<string> {
  return dig([
    "@127.0.0.1",
    "-p",
    String(unboundPort),
    name,
    "A",
    "+tries=1",
    "+time=3",
    ...(subnet === undefined ? [] : [`+subnet=${subnet}`]),
  ]);
}

function answerOf(out: string): string {
  const match = /^www\.gslb\.test\.\s+\d+\s+IN\s+A\s+(\S+)$/m.exec(out);
  return match === null ? `(no answer) ${out}` : match[1]!;
}

describe("through unbound with subnetcache", () => {
  const clients: [string, string, string][] = [
    ["GB", "81.2.69.0/24", "192.0.2.1"],
    ["US", "8.8.8.0/24", "198.51.100.1"],
    ["GB, another /24 of the same /16", "81.2.200.0/24", "192.0.2.1"],
    ["JP", "1.2.3.0/24", "203.0.113.1"],
    ["US, another /24", "8.8.200.0/24", "198.51.100.1"],
  ];

  it("gives each client its region's answer, asked alternately over several rounds (cache included)", async () => {
    const before = await queriesAtGslb();
    const seen: string[] = [];
    for (let round = 0; round < 4; round++) {
      for (const [who, subnet, expected] of clients) {
        const got = answerOf(await digUnbound("www.gslb.test", subnet));
        seen.push(`${round} ${who} ${got}`);
        expect(got, `round ${round}, client ${who} (${subnet})`).toBe(expected);
      }
    }
    expect(seen).toHaveLength(4 * clients.length);
    // One query per GeoIP network (GB /16, US /16, JP /8): every other answer came from unbound's cache.
    expect((await queriesAtGslb()) - before).toBe(3);
  });

  it("caches by scope: a second client of the same GeoIP network is answered from the cache", async () => {
    // Both /24s are inside 81.2.0.0/16, the scope gslb returned: unbound answers the second from its cache.
    await digUnbound("www.gslb.test", "81.2.1.0/24");
    const before = await queriesAtGslb();
    expect(answerOf(await digUnbound("www.gslb.test", "81.2.2.0/24"))).toBe("192.0.2.1");
    expect(await queriesAtGslb()).toBe(before);
    // A client outside every network cached so far is not: unbound asks gslb again.
    expect(answerOf(await digUnbound("www.gslb.test", "100.64.1.0/24"))).toBe("203.0.113.1");
    expect(await queriesAtGslb()).toBeGreaterThan(before);
  });
});

/**
 * Questions for www.gslb.test that reached gslb (its geo policy's answers, from /metrics). Counting every
 * query would also count unbound's own background lookups (e.g. the AAAA of ns1), which come at any time.
 */
async function queriesAtGslb(): Promise<number> {
  const text = await (await fetch(`http://${server.admin}/metrics`)).text();
  let total = 0;
  for (const match of text.matchAll(/^gslb_policy_answers_total\{[^}]*policy="www-geo"[^}]*\} (\d+)$/gm)) {
    total += Number(match[1]);
  }
  return total;
}
