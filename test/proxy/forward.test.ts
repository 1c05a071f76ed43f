import { once } from "node:events";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { request } from "undici";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { agent, get, rawExchange, startBackend, startProxy, upstreamsYaml, type Backend } from "./helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function backend(...args: Parameters<typeof startBackend>): Promise<Backend> {
  const b = await startBackend(...args);
  closers.push(() => b.close());
  return b;
}

async function proxyFor(backends: readonly Backend[], extra = "", group = ""): Promise<RegionalProxy> {
  const p = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0, token: "0123456789abcdef-token" }
routes: [{ upstream: app }]
${extra}
upstreams:
  app:
    balancer: round-robin
${group}    servers:
${upstreamsYaml(backends)}`);
  closers.push(() => p.close());
  return p;
}

const portOf = (p: RegionalProxy) => p.listenAddresses[0]!.port;

describe("forwarding headers", () => {
  let echo: Backend;
  let untrusting: RegionalProxy;
  let trusting: RegionalProxy;
  beforeAll(async () => {
    echo = await backend("echo", (req, res) => {
      const body = JSON.stringify(req.headers);
      res.writeHead(200, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        connection: "close, x-upstream-secret",
        "x-upstream-secret": "s",
        "keep-alive": "timeout=5",
      });
      res.end(body);
    });
    untrusting = await proxyFor([echo]);
    trusting = await proxyFor([echo], "trusted_proxies: [127.0.0.1/32]");
  });

  async function seen(p: RegionalProxy, headers: Record<string, string>) {
    const r = await get(portOf(p), "/x?y=1", headers);
    return { sent: JSON.parse(r.body) as Record<string, string>, response: r.headers };
  }

  it("sets X-Forwarded-For/-Proto/-Host, X-Real-IP and a generated X-Request-ID, keeping Host", async () => {
    const { sent, response } = await seen(untrusting, { host: "app.example.com" });
    expect(sent["x-forwarded-for"]).toBe("127.0.0.1");
    expect(sent["x-forwarded-proto"]).toBe("http");
    expect(sent["x-forwarded-host"]).toBe("app.example.com");
    expect(sent["x-real-ip"]).toBe("127.0.0.1");
    expect(sent["host"]).toBe("app.example.com");
    expect(sent["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(response["x-request-id"]).toBe(sent["x-request-id"]);
  });

  it("keeps a client's X-Request-ID", async () => {
    const { sent, response } = await seen(untrusting, { "x-request-id": "abc-123" });
    expect(sent["x-request-id"]).toBe("abc-123");
    expect(response["x-request-id"]).toBe("abc-123");
  });

  it("drops forwarded headers from an untrusted client", async () => {
    const { sent } = await seen(untrusting, {
      "x-forwarded-for": "6.6.6.6",
      "x-real-ip": "6.6.6.6",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "evil",
    });
    expect(sent["x-forwarded-for"]).toBe("127.0.0.1");
    expect(sent["x-real-ip"]).toBe("127.0.0.1");
    expect(sent["x-forwarded-proto"]).toBe("http");
    expect(sent["x-forwarded-host"]).toBe("127.0.0.1:" + String(portOf(untrusting)));
  });

  it("extends forwarded headers from a trusted proxy and takes the client from them", async () => {
    const { sent } = await seen(trusting, {
      "x-forwarded-for": "203.0.113.9",
      "x-forwarded-proto": "https",
      "x-forwarded-host": "shop.example",
    });
    expect(sent["x-forwarded-for"]).toBe("203.0.113.9, 127.0.0.1");
    expect(sent["x-real-ip"]).toBe("203.0.113.9");
    expect(sent["x-forwarded-proto"]).toBe("https");
    expect(sent["x-forwarded-host"]).toBe("shop.example");
  });

  it("strips hop-by-hop headers both ways, including those named by Connection", async () => {
    const raw = await rawExchange(portOf(untrusting), [
      "GET / HTTP/1.1\r\nHost: x\r\nConnection: close, X-Client-Secret\r\nX-Client-Secret: c\r\nX-Kept: k\r\nTE: trailers\r\nProxy-Authorization: Basic x\r\n\r\n",
    ]);
    const [head = "", body = ""] = raw.text.split("\r\n\r\n");
    const sent = JSON.parse(body) as Record<string, string>;
    expect(sent["x-client-secret"]).toBeUndefined();
    expect(sent["te"]).toBeUndefined();
    expect(sent["proxy-authorization"]).toBeUndefined();
    expect(sent["x-kept"]).toBe("k");
    expect(head.toLowerCase()).not.toContain("x-upstream-secret");
    expect(head.toLowerCase()).not.toContain("keep-alive: timeout");
    expect(head.toLowerCase()).toContain("content-type: application/json");
  });
});

describe("bodies, errors and retries", () => {
  it("streams a 2 MB request body to the upstream and its echo back", async () => {
    const b = await backend("echo-body", (req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      req.pipe(res);
    });
    const p = await proxyFor([b]);
    const payload = Buffer.alloc(2 * 1024 * 1024, 7);
    const r = await request(`http://127.0.0.1:${portOf(p)}/upload`, {
      method: "POST",
      body: payload,
      dispatcher: agent,
    });
    const back = Buffer.from(await r.body.arrayBuffer());
    expect(r.statusCode).toBe(200);
    expect(back.equals(payload)).toBe(true);
  });

  describe("response bodies arrive byte for byte, however they are framed", () => {
    const binary = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const big = Buffer.alloc(1024 * 1024 + 17, 0xa5);
    const cases: {
      name: string;
      method: string;
      status: number;
      headers: Record<string, string>;
      parts: Buffer[];
      body: Buffer;
    }[] = [
      {
        name: "small Content-Length",
        method: "GET",
        status: 200,
        headers: { "content-length": "3" },
        parts: [Buffer.from("ok\n")],
        body: Buffer.from("ok\n"),
      },
      {
        name: "every byte value",
        method: "GET",
        status: 200,
        headers: { "content-length": "256" },
        parts: [binary],
        body: binary,
      },
      {
        name: "Content-Length in many writes",
        method: "GET",
        status: 200,
        headers: { "content-length": String(big.length) },
        parts: [big.subarray(0, 1000), big.subarray(1000)],
        body: big,
      },
      {
        name: "empty Content-Length",
        method: "GET",
        status: 200,
        headers: { "content-length": "0" },
        parts: [],
        body: Buffer.alloc(0),
      },
      {
        name: "chunked",
        method: "GET",
        status: 200,
        headers: {},
        parts: [Buffer.from("a"), Buffer.from("bc")],
        body: Buffer.from("abc"),
      },
      {
        name: "HEAD with Content-Length",
        method: "HEAD",
        status: 200,
        headers: { "content-length": "3" },
        parts: [],
        body: Buffer.alloc(0),
      },
      { name: "204", method: "GET", status: 204, headers: {}, parts: [], body: Buffer.alloc(0) },
    ];
    it.each(cases)("$name", async ({ method, status, headers, parts, body }) => {
      const b = await backend("framed", (_req, res) => {
        res.writeHead(status, headers);
        for (const part of parts) res.write(part);
        res.end();
      });
      const p = await proxyFor([b]);
      for (let i = 0; i < 2; i++) {
        const r = await request(`http://127.0.0.1:${portOf(p)}/`, { method, dispatcher: agent });
        const got = Buffer.from(await r.body.arrayBuffer());
        expect({ status: r.statusCode, length: r.headers["content-length"], same: got.equals(body) }).toEqual(
          { status, length: headers["content-length"], same: true },
        );
      }
    });
  });

  it.each([
    { method: "GET", body: null, expected: { status: 200, body: "good", badSaw: 1 } },
    { method: "POST", body: "x=1", expected: { status: 503, body: "bad", badSaw: 1 } },
    { method: "PUT", body: "x=1", expected: { status: 503, body: "bad", badSaw: 1 } },
  ])(
    "a 503 is retried elsewhere for $method only when replay is safe",
    async ({ method, body, expected }) => {
      const bad = await backend("bad", (req, res) => {
        req.resume();
        req.on("end", () => {
          res.writeHead(503);
          res.end("bad");
        });
      });
      const good = await backend("good");
      const p = await proxyFor([bad, good], "", "    outlier: { consecutive_errors: 0 }\n");
      const r = await request(`http://127.0.0.1:${portOf(p)}/`, { method, body, dispatcher: agent });
      expect({ status: r.statusCode, body: await r.body.text(), badSaw: bad.seen.length }).toEqual(expected);
    },
  );

  it("answers 502 when the only upstream refuses connections", async () => {
    const b = await backend("gone");
    await b.close();
    const p = await proxyFor([b]);
    const r = await get(portOf(p), "/");
    expect(r.status).toBe(502);
    expect(r.body).toContain("upstream refused or unreachable");
  });

  it("answers 504 when the upstream is slower than upstream_header", async () => {
    const b = await backend("slow");
    const p = await proxyFor([b], "timeouts: { upstream_header: 200ms }");
    const r = await get(portOf(p), "/?delay=1500");
    expect(r.status).toBe(504);
  });

  it("answers 404 when no route matches", async () => {
    const b = await backend("x");
    const p = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ host: only.example, upstream: app }]
upstreams: { app: { servers: [{ address: ${b.address} }] } }`);
    closers.push(() => p.close());
    expect((await get(portOf(p), "/", { host: "other.example" })).status).toBe(404);
    expect((await get(portOf(p), "/", { host: "only.example" })).status).toBe(200);
  });

  it("aborts the upstream request when the client goes away", async () => {
    let upstreamClosed: Promise<unknown> = Promise.resolve();
    const b = await backend("hang", (req) => {
      upstreamClosed = once(req.socket, "close");
    });
    const p = await proxyFor([b]);
    const controller = new AbortController();
    const pending = request(`http://127.0.0.1:${portOf(p)}/`, {
      dispatcher: agent,
      signal: controller.signal,
    }).catch(() => "aborted");
    while (b.seen.length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    expect(await pending).toBe("aborted");
    await upstreamClosed;
    expect(b.seen.length).toBe(1);
  });
});

describe("client limits", () => {
  let b: Backend;
  let p: RegionalProxy;
  beforeAll(async () => {
    b = await backend("limits");
    p = await proxyFor([b], "timeouts: { client_header: 400ms }\nlimits: { max_header_bytes: 4096 }");
  });

  it("cuts off a slowloris client that dribbles headers", async () => {
    const chunks = [
      "GET / HTTP/1.1\r\nHost: x\r\n",
      ...Array.from({ length: 60 }, (_, i) => `X-Dribble-${i}: y\r\n`),
    ];
    const result = await rawExchange(portOf(p), chunks, 100, 8_000);
    expect(result.closedByServer).toBe(true);
    expect(result.chunksSent).toBeLessThan(chunks.length);
    expect(b.seen.length).toBe(0);
  });

  it("refuses oversized headers with 431", async () => {
    const result = await rawExchange(portOf(p), [
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(8000)}\r\n\r\n`,
    ]);
    expect(result.text).toMatch(/^HTTP\/1\.1 431/);
    expect(b.seen.length).toBe(0);
  });

  it("accepts headers under the limit (negative half)", async () => {
    const result = await rawExchange(portOf(p), [
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(1000)}\r\nConnection: close\r\n\r\n`,
    ]);
    expect(result.text).toMatch(/^HTTP\/1\.1 200/);
  });

  it.each([
    {
      why: "Content-Length with Transfer-Encoding",
      head: "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    },
    {
      why: "Transfer-Encoding with Content-Length",
      head: "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n",
    },
  ])("refuses request smuggling: $why", async ({ head }) => {
    const before = b.seen.length;
    const result = await rawExchange(portOf(p), [
      `POST / HTTP/1.1\r\nHost: x\r\n${head}\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n`,
    ]);
    expect(result.text).toMatch(/^HTTP\/1\.1 400/);
    expect(b.seen.length).toBe(before);
  });
});

describe("WebSocket / Upgrade", () => {
  it("relays the 101 and then bytes both ways", async () => {
    const b = await backend("ws");
    b.server.on("upgrade", (req, socket) => {
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Seen-Xff: ${String(req.headers["x-forwarded-for"])}\r\n\r\n`,
      );
      socket.on("data", (d: Buffer) => socket.write(`echo:${d.toString()}`));
      socket.on("end", () => socket.end());
    });
    const p = await proxyFor([b]);
    const socket = connect(portOf(p), "127.0.0.1");
    await once(socket, "connect");
    socket.write(
      "GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
    );
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString()));
    while (!text.includes("\r\n\r\n")) await new Promise((r) => setTimeout(r, 10));
    expect(text).toMatch(/^HTTP\/1\.1 101/);
    expect(text.toLowerCase()).toContain("x-seen-xff: 127.0.0.1");
    socket.write("ping");
    while (!text.includes("echo:ping")) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
  });
});
