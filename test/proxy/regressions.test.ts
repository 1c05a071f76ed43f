/**
 * Regression tests of the proxy, each named after the defect it pins (STYLE §14). Every `bug:` case failed
 * on the code before its fix (checked against src/proxy at commit 4ca6364).
 */
import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, describe, expect, it } from "vitest";
import { request } from "undici";
import { parseProxyConfig } from "../../src/proxy/config/load.ts";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import {
  agent,
  eventually,
  get,
  rawExchange,
  startBackend,
  startProxy,
  upstreamsYaml,
  type Backend,
  type BackendHandler,
} from "./helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function backend(name: string, handler?: BackendHandler): Promise<Backend> {
  const b = await startBackend(name, handler);
  closers.push(() => b.close());
  return b;
}

function yaml(backends: readonly Backend[], group = "", top = "", server = ""): string {
  return `listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0, token: "0123456789abcdef-token" }
routes: [{ upstream: app }]
${top}
upstreams:
  app:
    balancer: round-robin
${group}    servers:
${upstreamsYaml(backends, () => server)}`;
}

async function proxy(text: string): Promise<RegionalProxy> {
  const p = await startProxy(text);
  closers.push(() => p.close());
  return p;
}

const portOf = (p: RegionalProxy) => p.listenAddresses[0]!.port;
const stateOf = (p: RegionalProxy, id: string) => p.upstreams().find((u) => u.id === id)?.state;

describe("bug: a 503 from the last upstream left was replaced by a synthetic 503", () => {
  it.each([
    { status: 503, header: "retry-after", value: "7" },
    { status: 502, header: "x-why", value: "app-gateway" },
  ])(
    "relays the upstream's own $status (body and $header) when no other upstream can take a retry",
    async ({ status, header, value }) => {
      const busy = await backend("busy", (_req, res) => {
        res.writeHead(status, { [header]: value });
        res.end("busy, come back later");
      });
      const p = await proxy(
        yaml([busy], "    outlier: { consecutive_errors: 0 }\n", "", "        max_fails: 0\n"),
      );
      const r = await get(portOf(p), "/");
      expect({ status: r.status, body: r.body, header: r.headers[header] }).toEqual({
        status,
        body: "busy, come back later",
        header: value,
      });
      expect(busy.seen).toHaveLength(1);
    },
  );

  it("still retries elsewhere when another upstream is there (negative half)", async () => {
    const busy = await backend("busy", (_req, res) => {
      res.writeHead(503);
      res.end("busy");
    });
    const good = await backend("good");
    const p = await proxy(
      yaml([busy, good], "    outlier: { consecutive_errors: 0 }\n", "", "        max_fails: 0\n"),
    );
    expect(await get(portOf(p), "/")).toMatchObject({ status: 200, body: "good" });
  });
});

// Not a regression (the old code passed too, because the client's close usually won the race): a guard
// that an abandoned upload never counts against the upstream, whichever event arrives first.
describe("a client aborting its upload is not an upstream failure", () => {
  it("leaves the upstream up (max_fails 1) after clients abandon request bodies half-way", async () => {
    const sink = await backend("sink", (req, res) => {
      req.resume();
      req.on("end", () => res.end("ok"));
    });
    const p = await proxy(yaml([sink], "", "", "        max_fails: 1\n        fail_timeout: 1m\n"));
    for (let i = 0; i < 3; i++) {
      const seen = sink.seen.length;
      const socket = connect(portOf(p), "127.0.0.1");
      socket.on("error", () => undefined);
      await once(socket, "connect");
      socket.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + "a".repeat(1000));
      await eventually(() => sink.seen.length > seen);
      socket.destroy();
      await eventually(() => p.upstreams()[0]!.active === 0);
    }
    expect(stateOf(p, sink.address)).toBe("up");
    expect((await get(portOf(p), "/")).body).toBe("ok");
  });
});

describe("bug: an idempotent request with a body was never retried after a connect error", () => {
  it.each([
    { method: "PUT", expected: { status: 200, body: "payload-123" } },
    { method: "DELETE", expected: { status: 200, body: "payload-123" } },
    { method: "POST", expected: { status: 502, body: "" } },
  ])("$method with a body, first upstream refusing → $expected.status", async ({ method, expected }) => {
    const dead = await startBackend("dead");
    await dead.close();
    const echo = await backend("echo", (req, res) => req.pipe(res));
    const p = await proxy(yaml([dead, echo], "    panic_threshold: 0\n", "", "        max_fails: 0\n"));
    const r = await request(`http://127.0.0.1:${portOf(p)}/`, {
      method,
      body: "payload-123",
      dispatcher: agent,
    });
    const body = await r.body.text();
    expect({ status: r.statusCode, body: r.statusCode === 200 ? body : "" }).toEqual(expected);
  });

  it("does not replay a PUT whose body the first upstream already read (reset mid-request)", async () => {
    const reset = await backend("reset", (req) => req.once("data", () => req.socket.destroy()));
    const echo = await backend("echo", (req, res) => req.pipe(res));
    const p = await proxy(yaml([reset, echo], "", "", "        max_fails: 0\n"));
    const r = await request(`http://127.0.0.1:${portOf(p)}/`, {
      method: "PUT",
      body: "x".repeat(64 * 1024),
      dispatcher: agent,
    });
    await r.body.text();
    expect(r.statusCode).toBe(502);
    expect(echo.seen).toHaveLength(0);
  });
});

describe("bug: a reload that removed the health check left its last 'down' verdict forever", () => {
  it("brings the upstream back when the new configuration has no check", async () => {
    const a = await backend("a", (req, res) => {
      res.writeHead(req.url === "/healthz" ? 500 : 200);
      res.end("a");
    });
    const b = await backend("b");
    const checked = yaml(
      [a, b],
      "    health_check: { kind: http, path: /healthz, interval: 50ms, timeout: 200ms, rise: 1, fall: 1, jitter: 0 }\n    panic_threshold: 0\n",
    );
    const p = await proxy(checked);
    expect(await eventually(() => stateOf(p, a.address) === "down")).toBe(true);
    p.reload(parseProxyConfig(yaml([a, b], "    panic_threshold: 0\n"), "test.yaml"));
    expect(stateOf(p, a.address)).toBe("up");
    const bodies = new Set<string>();
    for (let i = 0; i < 4; i++) bodies.add((await get(portOf(p), "/")).body);
    expect([...bodies].sort()).toEqual(["a", "b"]);
  });
});

describe("bug: with a health check, upstreams were up (and /ready ready) before the first check had run", () => {
  const admin = (p: RegionalProxy) => p.adminAddress.port;
  const readiness = async (p: RegionalProxy) => {
    const r = await get(admin(p), "/ready");
    return { status: r.status, healthy: (JSON.parse(r.body) as { healthy: number }).healthy };
  };

  it("reports unknown and not ready until the first result, then up at once (no rise streak)", async () => {
    let answer: (() => void) | undefined;
    const held = await backend("held", (req, res) => {
      if (req.url !== "/healthz") return void res.end("held");
      answer = () => res.end("ok");
    });
    const p = await proxy(
      yaml(
        [held],
        "    health_check: { kind: http, path: /healthz, interval: 10s, timeout: 5s, rise: 3, fall: 3, jitter: 0 }\n",
      ),
    );
    expect(await eventually(() => answer !== undefined)).toBe(true);
    expect(stateOf(p, held.address)).toBe("unknown");
    expect(await readiness(p)).toEqual({ status: 503, healthy: 0 });
    answer!();
    expect(await eventually(() => stateOf(p, held.address) === "up")).toBe(true);
    expect(await readiness(p)).toEqual({ status: 200, healthy: 1 });
  });

  it("a failing first result takes the upstream down (and rise then applies)", async () => {
    const sick = await backend("sick", (req, res) => {
      res.writeHead(req.url === "/healthz" ? 500 : 200);
      res.end("sick");
    });
    const p = await proxy(
      yaml(
        [sick],
        "    health_check: { kind: http, path: /healthz, interval: 10s, timeout: 5s, rise: 3, fall: 3, jitter: 0 }\n",
      ),
    );
    expect(await eventually(() => stateOf(p, sick.address) === "down")).toBe(true);
    expect(await readiness(p)).toEqual({ status: 503, healthy: 0 });
  });

  it("without a health check the upstream is up and /ready ready at once (negative half)", async () => {
    const plain = await backend("plain");
    const p = await proxy(yaml([plain]));
    expect(stateOf(p, plain.address)).toBe("up");
    expect(await readiness(p)).toEqual({ status: 200, healthy: 1 });
  });

  it("a reload that adds a server waits for its first check; servers it keeps stay up", async () => {
    const [a, b] = [await backend("a"), await backend("b")];
    let answerB: (() => void) | undefined;
    const heldB = await backend("held-b", (req, res) => {
      if (req.url !== "/healthz") return void res.end("held-b");
      answerB = () => res.end("ok");
    });
    const check =
      "    health_check: { kind: http, path: /healthz, interval: 10s, timeout: 5s, rise: 1, fall: 1, jitter: 0 }\n";
    const p = await proxy(yaml([a, b], check));
    expect(await eventually(() => stateOf(p, a.address) === "up" && stateOf(p, b.address) === "up")).toBe(
      true,
    );
    p.reload(parseProxyConfig(yaml([a, heldB], check), "test.yaml"));
    expect(stateOf(p, a.address)).toBe("up");
    expect(stateOf(p, heldB.address)).toBe("unknown");
    expect(await eventually(() => answerB !== undefined)).toBe(true);
    answerB!();
    expect(await eventually(() => stateOf(p, heldB.address) === "up")).toBe(true);
  });
});

describe("bug: an upstream drained after a reload stayed in the group forever", () => {
  it("removes it when the request from before the reload ends", async () => {
    const [a, b] = [await backend("a"), await backend("b")];
    const text = yaml([a, b]);
    const p = await proxy(text);
    const slow = get(portOf(p), "/?delay=400");
    await eventually(() => a.seen.length === 1);
    p.reload(parseProxyConfig(text, "test.yaml"));
    expect(p.drainUpstream("app", a.address)).toBe(true);
    expect(await slow).toMatchObject({ status: 200, body: "a" });
    expect(await eventually(() => stateOf(p, a.address) === undefined, 2_000)).toBe(true);
  });
});

describe("bug: a reload did not apply max_connections to upstreams it kept", () => {
  it("dispatches through a pool built with the new limit", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = await backend("slow", (_req, res) => {
      peak = Math.max(peak, ++inFlight);
      setTimeout(() => {
        inFlight--;
        res.end("slow");
      }, 150);
    });
    const p = await proxy(yaml([slow], "    max_connections: 1\n"));
    const burst = () => Promise.all(Array.from({ length: 4 }, () => get(portOf(p), "/")));
    await burst();
    expect(peak).toBe(1);
    p.reload(parseProxyConfig(yaml([slow], "    max_connections: 4\n"), "test.yaml"));
    peak = 0;
    await burst();
    expect(peak).toBe(4);
  });
});

describe("bug: curl --http2 (Upgrade: h2c) on a plain request got a 502", () => {
  it("proxies it as an ordinary request without the Upgrade header", async () => {
    const echo = await backend("echo", (req, res) =>
      res.end(
        JSON.stringify({
          upgrade: req.headers.upgrade ?? null,
          settings: req.headers["http2-settings"] ?? null,
        }),
      ),
    );
    const p = await proxy(yaml([echo]));
    const raw = await rawExchange(
      portOf(p),
      [
        "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings, close\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
      ],
      0,
      2_000,
    );
    expect(raw.text).toMatch(/^HTTP\/1\.1 200/);
    expect(raw.text).toContain('{"upgrade":null,"settings":null}');
  });
});

describe("bug: a WebSocket handshake refused by the upstream became a 502", () => {
  it("relays the upstream's 403 and its body", async () => {
    const guard = await backend("guard", (_req, res) => {
      res.writeHead(403, { "content-type": "text/plain" });
      res.end("no ticket");
    });
    const p = await proxy(yaml([guard]));
    const raw = await rawExchange(
      portOf(p),
      [
        "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
      ],
      0,
      2_000,
    );
    expect(raw.text).toMatch(/^HTTP\/1\.1 403/);
    expect(raw.text).toMatch(/no ticket$/);
    expect(raw.closedByServer).toBe(true);
  });
});

describe("bug: a listener error after bind crashed the process", () => {
  it("logs it and keeps serving", async () => {
    const b = await backend("b");
    const p = await proxy(yaml([b]));
    p.listeners[0]!.emit("error", Object.assign(new Error("accept EMFILE"), { code: "EMFILE" }));
    expect((await get(portOf(p), "/")).body).toBe("b");
  });
});

describe("bug: an absolute-form request target matched no route", () => {
  it("routes on the target's authority and sends the origin-form path and Host upstream", async () => {
    const echo = await backend("echo", (req, res) =>
      res.end(`${req.url} ${req.headers.host} ${req.headers["x-forwarded-host"]}`),
    );
    const p = await proxy(
      yaml([echo]).replace("routes: [{ upstream: app }]", "routes: [{ host: app.example, upstream: app }]"),
    );
    const raw = await rawExchange(
      portOf(p),
      ["GET http://app.example/x?y=1 HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n"],
      0,
      2_000,
    );
    expect(raw.text).toMatch(/^HTTP\/1\.1 200/);
    expect(raw.text).toMatch(/\/x\?y=1 app\.example app\.example$/);
    const other = await rawExchange(
      portOf(p),
      ["GET http://other.example/x HTTP/1.1\r\nHost: app.example\r\nConnection: close\r\n\r\n"],
      0,
      2_000,
    );
    expect(other.text).toMatch(/^HTTP\/1\.1 404/);
  });
});

describe("bug: no Via header (RFC 9110 §7.6.3)", () => {
  it.each([
    { top: "", sent: "1.1 gslb", received: "1.0 app-lb, 1.1 gslb" },
    { top: "via: edge-7", sent: "1.1 edge-7", received: "1.0 app-lb, 1.1 edge-7" },
    { top: "via: false", sent: null, received: "1.0 app-lb" },
  ])("via $top → upstream sees $sent, client sees $received", async ({ top, sent, received }) => {
    const echo = await backend("echo", (req, res) => {
      res.setHeader("via", "1.0 app-lb");
      res.end(String(req.headers.via ?? null));
    });
    const p = await proxy(yaml([echo], "", top));
    const r = await get(portOf(p), "/");
    expect({ sent: r.body, received: r.headers["via"] }).toEqual({ sent: String(sent), received });
  });
});

describe("bug: chunked response trailers were dropped", () => {
  it("relays the upstream's trailers and its Trailer header", async () => {
    const chunked = await backend("chunked", (_req, res) => {
      res.writeHead(200, { trailer: "x-checksum" });
      res.write("data");
      res.addTrailers({ "x-checksum": "abc123" });
      res.end();
    });
    const p = await proxy(yaml([chunked]));
    const raw = await rawExchange(
      portOf(p),
      ["GET / HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n"],
      0,
      2_000,
    );
    expect(raw.text.toLowerCase()).toContain("trailer: x-checksum");
    expect(raw.text.toLowerCase()).toMatch(/\r\n0\r\nx-checksum: abc123\r\n\r\n$/);
  });
});

describe("bug: an untrusted client's Forwarded (and similar) headers reached the upstream", () => {
  const claims = {
    forwarded: "for=6.6.6.6;proto=https",
    "x-forwarded-port": "443",
    "x-forwarded-prefix": "/admin",
    "true-client-ip": "6.6.6.6",
    "x-client-ip": "6.6.6.6",
  };
  it.each([
    {
      top: "",
      expected: {
        forwarded: null,
        "x-forwarded-port": null,
        "x-forwarded-prefix": null,
        "true-client-ip": null,
        "x-client-ip": null,
      },
    },
    { top: "trusted_proxies: [127.0.0.1]", expected: claims },
  ])("trusted_proxies [$top] → $expected.forwarded", async ({ top, expected }) => {
    const echo = await backend("echo", (req, res) =>
      res.end(
        JSON.stringify(Object.fromEntries(Object.keys(claims).map((k) => [k, req.headers[k] ?? null]))),
      ),
    );
    const p = await proxy(yaml([echo], "", top));
    expect(JSON.parse((await get(portOf(p), "/", claims)).body)).toEqual(expected);
  });
});

describe("bug: two Host headers were both forwarded while the proxy routed on the first", () => {
  it.each([
    { why: "two Host lines", head: "Host: app.example\r\nHost: admin.internal\r\n", status: 400 },
    { why: "one Host line (negative half)", head: "Host: app.example\r\n", status: 200 },
  ])("$why → $status", async ({ head, status }) => {
    const b = await backend("b");
    const p = await proxy(yaml([b]));
    const raw = await rawExchange(
      portOf(p),
      [`GET / HTTP/1.1\r\n${head}Connection: close\r\n\r\n`],
      0,
      2_000,
    );
    expect(raw.text).toMatch(new RegExp(`^HTTP/1\\.1 ${status}`));
    expect(b.seen).toHaveLength(status === 200 ? 1 : 0);
  });
});
