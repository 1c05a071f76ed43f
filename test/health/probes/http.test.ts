import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpCheckSchema, type CheckInput } from "../../../src/health/check-schema.ts";
import { createHttpProbe } from "../../../src/health/probes/http.ts";
import type { ProbeOutcome } from "../../../src/health/probes/probe.ts";
import { close, startHttp, startHttps } from "../helpers.ts";

let http: { server: Server; port: number };
let https: { server: Server; port: number };

function handler(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void {
  const url = new URL(req.url ?? "/", "http://x");
  if (url.pathname === "/slow") return void setTimeout(() => res.end("late"), 1500);
  if (url.pathname === "/host")
    return void res.end(`host=${req.headers.host} x=${req.headers["x-probe"] ?? ""}`);
  if (url.pathname === "/method") return void res.end(req.method);
  const status = Number(url.searchParams.get("status") ?? "200");
  res.writeHead(status, { "content-type": "text/plain" }).end(url.searchParams.get("body") ?? "all good");
}

beforeAll(async () => {
  http = await startHttp(handler);
  https = await startHttps(handler);
});
afterAll(async () => {
  await close(http.server);
  await close(https.server);
});

interface Case {
  readonly name: string;
  readonly check: Partial<CheckInput> & Record<string, unknown>;
  readonly tls?: boolean;
  readonly outcome: ProbeOutcome;
  readonly detail?: RegExp;
}

const cases: readonly Case[] = [
  { name: "200 with default expect", check: { path: "/" }, outcome: "ok" },
  { name: "302 inside default 200-399", check: { path: "/?status=302" }, outcome: "ok" },
  {
    name: "503 outside default",
    check: { path: "/?status=503" },
    outcome: "fail",
    detail: /status 503 not in 200-399/,
  },
  { name: "404 in explicit list", check: { path: "/?status=404", expect: [200, 404] }, outcome: "ok" },
  {
    name: "204 outside range list",
    check: { path: "/?status=204", expect: ["200-203", "300-399"] },
    outcome: "fail",
  },
  { name: "body substring present", check: { path: "/?body=status:green", body: "green" }, outcome: "ok" },
  {
    name: "body substring absent",
    check: { path: "/?body=status:red", body: "green" },
    outcome: "fail",
    detail: /does not contain/,
  },
  { name: "body regex matches", check: { path: "/?body=up%2042", bodyRegex: "^up \\d+$" }, outcome: "ok" },
  { name: "body regex does not match", check: { path: "/?body=down", bodyRegex: "^up" }, outcome: "fail" },
  {
    name: "Host header and extra headers sent",
    check: {
      path: "/host",
      host: "app.example.com",
      headers: { "x-probe": "1" },
      body: "host=app.example.com x=1",
    },
    outcome: "ok",
  },
  { name: "HEAD method used", check: { path: "/method", method: "HEAD" }, outcome: "ok" },
  { name: "total timeout", check: { path: "/slow", timeout: "300ms" }, outcome: "timeout", detail: /300 ms/ },
  {
    name: "https self-signed, verify off",
    check: { kind: "https", tlsVerify: false },
    tls: true,
    outcome: "ok",
  },
  {
    name: "https self-signed, verify on",
    check: { kind: "https", tlsVerify: true },
    tls: true,
    outcome: "error",
    detail: /self.signed|certificate/i,
  },
];

describe("http probe", () => {
  it.each(cases)("$name", async ({ check, tls, outcome, detail }) => {
    const parsed = httpCheckSchema.parse({ kind: "http", ...check });
    const probe = createHttpProbe(parsed);
    try {
      const port = tls === true ? https.port : http.port;
      const result = await probe.run({ host: "127.0.0.1", port }, new AbortController().signal);
      expect(result.outcome, result.detail).toBe(outcome);
      expect(result.ok).toBe(outcome === "ok");
      if (detail !== undefined) expect(result.detail).toMatch(detail);
      if (outcome === "ok") expect(result.rttMs).toBeGreaterThanOrEqual(0);
    } finally {
      await probe.close?.();
    }
  });

  it("reports a refused connection as an error", async () => {
    const closed = await startHttp(handler);
    await close(closed.server);
    const probe = createHttpProbe(httpCheckSchema.parse({ kind: "http" }));
    const result = await probe.run({ host: "127.0.0.1", port: closed.port }, new AbortController().signal);
    await probe.close?.();
    expect(result).toMatchObject({ ok: false, outcome: "error" });
    expect(result.detail).toMatch(/ECONNREFUSED/);
  });

  it("uses the check's port when the probe address has none", async () => {
    const probe = createHttpProbe(httpCheckSchema.parse({ kind: "http", port: http.port }));
    const result = await probe.run({ host: "127.0.0.1" }, new AbortController().signal);
    await probe.close?.();
    expect(result.ok).toBe(true);
  });
});
