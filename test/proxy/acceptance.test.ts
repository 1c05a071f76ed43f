/**
 * The acceptance criteria of issue 5, on loopback with real node:http backends: weighted shares, losing a
 * backend without losing a request (retry, ejection, slow-start restore), draining, graceful shutdown,
 * reload, active health and readiness.
 */
import { afterEach, describe, expect, it } from "vitest";
import { parseProxyConfig } from "../../src/proxy/config/load.ts";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import {
  eventually,
  get,
  load,
  shares,
  startBackend,
  startProxy,
  upstreamsYaml,
  type Backend,
  type BackendHandler,
} from "./helpers.ts";

const TOKEN = "0123456789abcdef-token";
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function backends(names: readonly string[], handler?: BackendHandler): Promise<Backend[]> {
  const started = await Promise.all(names.map((n) => startBackend(n, handler)));
  for (const b of started) closers.push(() => b.close());
  return started;
}

function yaml(servers: string, group = "", top = ""): string {
  return `listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0, token: "${TOKEN}" }
routes: [{ upstream: app }]
${top}
upstreams:
  app:
${group}    servers:
${servers}`;
}

async function proxy(text: string, clock?: () => number): Promise<RegionalProxy> {
  const p = await startProxy(text, clock === undefined ? {} : { clock });
  closers.push(() => p.close());
  return p;
}

const port = (p: RegionalProxy) => p.listenAddresses[0]!.port;
const admin = (p: RegionalProxy) => p.adminAddress.port;
const stateOf = (p: RegionalProxy, id: string) => p.upstreams().find((u) => u.id === id)?.state;

describe("weighted shares", () => {
  it("3:2:1 weights give 1/2, 1/3, 1/6 of 6,000 requests within 2%", async () => {
    const bs = await backends(["a", "b", "c"]);
    const weights = [3, 2, 1];
    const p = await proxy(
      yaml(
        upstreamsYaml(bs, (_b, i) => `        weight: ${weights[i]}\n`),
        "    balancer: weighted-round-robin\n",
      ),
    );
    const results = await load(port(p), 6000, 16);
    expect(results.every((r) => r.status === 200)).toBe(true);
    const got = shares(results, ["a", "b", "c"]);
    [3 / 6, 2 / 6, 1 / 6].forEach((expected, i) => expect(Math.abs(got[i]! - expected)).toBeLessThan(0.02));
  });
});

describe("losing a backend", () => {
  it("loses no idempotent request, ejects the backend, and restores it through slow start", async () => {
    const [a, b, c] = await backends(["a", "b", "c"]);
    let offset = 0;
    const clock = () => Date.now() + offset;
    const p = await proxy(
      yaml(
        upstreamsYaml(
          [a!, b!, c!],
          () => "        max_fails: 1\n        fail_timeout: 10s\n        slow_start: 20s\n",
        ),
        "    balancer: weighted-round-robin\n",
      ),
      clock,
    );
    const first = load(port(p), 150, 6);
    await eventually(() => c!.seen.length >= 10);
    await c!.close();
    const results = [...(await first), ...(await load(port(p), 150, 6))];
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results).toHaveLength(300);
    expect(stateOf(p, c!.address)).toBe("failed");

    const revived = await startBackend("c", undefined, c!.port);
    closers.push(() => revived.close());
    offset += 10_000;
    expect(stateOf(p, c!.address)).toBe("slow_start");
    offset += 5_000;
    const ramp = await load(port(p), 300, 4);
    const share = shares(ramp, ["c"])[0]!;
    expect(share).toBeGreaterThan(0);
    expect(share).toBeLessThan(1 / 3 - 0.05);
    offset += 20_000;
    expect(stateOf(p, c!.address)).toBe("up");
    const after = await load(port(p), 300, 4);
    expect(Math.abs(shares(after, ["c"])[0]! - 1 / 3)).toBeLessThan(0.02);
  });

  it("ejects on consecutive 5xx (outlier detection) and counts the ejection in /metrics", async () => {
    const [ok] = await backends(["ok"]);
    const [sick] = await backends(["sick"], (_req, res) => {
      res.writeHead(500);
      res.end("sick");
    });
    const p = await proxy(
      yaml(
        upstreamsYaml([ok!, sick!], () => "        max_fails: 0\n"),
        "    balancer: round-robin\n    outlier: { consecutive_errors: 3 }\n",
      ),
    );
    await load(port(p), 12, 1);
    expect(stateOf(p, sick!.address)).toBe("ejected");
    const after = await load(port(p), 10, 1);
    expect(after.every((r) => r.body === "ok")).toBe(true);
    const metrics = (await get(admin(p), "/metrics")).body;
    expect(metrics).toContain(
      `gslb_proxy_upstream_ejections_total{group="app",upstream="${sick!.address}"} 1`,
    );
    expect(metrics).toMatch(
      new RegExp(
        `gslb_proxy_upstream_state\\{group="app",upstream="${sick!.address.replace(/\./g, "\\.")}",state="ejected"\\} 1`,
      ),
    );
  });
});

describe("draining", () => {
  it("lets a slow in-flight request finish while new requests go elsewhere, then removes the upstream", async () => {
    const [a, b] = await backends(["a", "b"]);
    const p = await proxy(yaml(upstreamsYaml([a!, b!]), "    balancer: round-robin\n"));
    const slow = get(port(p), "/?delay=800");
    await eventually(() => a!.seen.length === 1);
    const drain = await fetch(
      `http://127.0.0.1:${admin(p)}/upstreams/app/${encodeURIComponent(a!.address)}/drain`,
      {
        method: "POST",
        headers: { authorization: `Bearer ${TOKEN}` },
      },
    );
    expect(drain.status).toBe(202);
    expect(stateOf(p, a!.address)).toBe("draining");
    const during = await load(port(p), 10, 2);
    expect(during.map((r) => r.body)).toEqual(Array(10).fill("b"));
    expect(await slow).toMatchObject({ status: 200, body: "a" });
    expect(await eventually(() => stateOf(p, a!.address) === undefined)).toBe(true);
    expect(a!.seen).toHaveLength(1);
  });
});

describe("graceful shutdown", () => {
  it("fails /ready first, stops accepting, and completes the requests in flight", async () => {
    const [a, b] = await backends(["a", "b"]);
    const p = await proxy(yaml(upstreamsYaml([a!, b!])));
    const proxyPort = port(p);
    const adminPort = admin(p);
    const inFlight = Array.from({ length: 6 }, () => get(proxyPort, "/?delay=600"));
    await eventually(() => a!.seen.length + b!.seen.length === 6);
    const stopping = p.shutdown();
    const ready = await get(adminPort, "/ready");
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toMatchObject({ ready: false, draining: true });
    const done = await Promise.all(inFlight);
    expect(done.map((r) => r.status)).toEqual(Array(6).fill(200));
    await stopping;
    await expect(fetch(`http://127.0.0.1:${proxyPort}/`)).rejects.toThrow();
  });
});

describe("reload", () => {
  it("applies new weights and servers without failing the request in flight", async () => {
    const [a, b, c] = await backends(["a", "b", "c"]);
    const p = await proxy(yaml(upstreamsYaml([a!, b!]), "    balancer: weighted-round-robin\n"));
    const slow = get(port(p), "/?delay=500");
    await eventually(() => a!.seen.length === 1);
    p.reload(
      parseProxyConfig(
        yaml(
          upstreamsYaml([b!, c!], (_x, i) => `        weight: ${i === 0 ? 1 : 3}\n`),
          "    balancer: weighted-round-robin\n",
        ),
        "test.yaml",
      ),
    );
    expect(await slow).toMatchObject({ status: 200, body: "a" });
    const after = await load(port(p), 400, 4);
    expect(shares(after, ["a", "b", "c"])).toEqual([0, 0.25, 0.75]);
    expect(await eventually(() => stateOf(p, a!.address) === undefined)).toBe(true);
    // The removed upstream's series are gone from /metrics (as nginx and HAProxy stop reporting it); the
    // kept ones keep counting.
    const metrics = (await get(p.adminAddress.port, "/metrics")).body;
    expect(metrics).not.toContain(`upstream="${a!.address}"`);
    expect(metrics).toContain(`gslb_proxy_requests_total{group="app",upstream="${c!.address}",code="2xx"}`);
  });
});

describe("active health and readiness", () => {
  it("takes a backend down on failed checks, fails /ready below min_healthy, and brings it back", async () => {
    let sick = false;
    const handler: BackendHandler = (req, res, name) => {
      const failing = sick && name === "a";
      res.writeHead(req.url === "/healthz" && failing ? 500 : 200);
      res.end(name);
    };
    const [a, b] = await backends(["a", "b"], handler);
    const p = await proxy(
      yaml(
        upstreamsYaml([a!, b!]),
        "    min_healthy: 2\n    health_check: { kind: http, path: /healthz, interval: 100ms, timeout: 100ms, rise: 2, fall: 2, jitter: 0 }\n",
      ),
    );
    const ready = async () => (await get(admin(p), "/ready")).status;
    expect(await eventually(async () => (await ready()) === 200)).toBe(true);
    sick = true;
    expect(await eventually(() => stateOf(p, a!.address) === "down")).toBe(true);
    const readiness = await get(admin(p), "/ready");
    expect(readiness.status).toBe(503);
    expect(JSON.parse(readiness.body)).toMatchObject({ ready: false, healthy: 1, total: 2, draining: false });
    expect((await load(port(p), 10, 2)).every((r) => r.body === "b")).toBe(true);
    sick = false;
    expect(await eventually(() => stateOf(p, a!.address) === "up")).toBe(true);
    expect(await ready()).toBe(200);
  });
});
