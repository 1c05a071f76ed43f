import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proxyCheckSchema } from "../../../src/health/check-schema.ts";
import { createProxyProbe } from "../../../src/health/probes/proxy.ts";
import { close, startHttp } from "../helpers.ts";

let proxy: { server: Server; port: number };

/** /ready?doc=<json>&status=<n> answers exactly that document, like a regional proxy would. */
beforeAll(async () => {
  proxy = await startHttp((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    res.writeHead(Number(url.searchParams.get("status") ?? "200"), { "content-type": "application/json" });
    res.end(url.searchParams.get("doc") ?? "");
  });
});
afterAll(() => close(proxy.server));

function path(doc: unknown, status = 200): string {
  return `/ready?status=${status}&doc=${encodeURIComponent(typeof doc === "string" ? doc : JSON.stringify(doc))}`;
}

describe("proxy probe", () => {
  it.each([
    { name: "ready", path: path({ ready: true, healthy: 3, total: 4, capacity: 100 }), ok: true, healthy: 3 },
    {
      name: "not ready (503)",
      path: path({ ready: false, healthy: 0, total: 4, capacity: 0 }, 503),
      ok: false,
      healthy: 0,
    },
    {
      name: "ready but below minHealthy",
      path: path({ ready: true, healthy: 1, total: 4 }),
      minHealthy: 2,
      ok: false,
      healthy: 1,
    },
    {
      name: "ready and minHealthy met",
      path: path({ ready: true, healthy: 2, total: 4 }),
      minHealthy: 2,
      ok: true,
      healthy: 2,
    },
    { name: "not JSON", path: path("<html>"), ok: false, healthy: undefined },
    { name: "wrong shape", path: path({ ready: "yes" }), ok: false, healthy: undefined },
  ])("$name", async ({ path: p, minHealthy, ok, healthy }) => {
    const probe = createProxyProbe(proxyCheckSchema.parse({ kind: "proxy", path: p, minHealthy }));
    const result = await probe.run({ host: "127.0.0.1", port: proxy.port }, new AbortController().signal);
    await probe.close?.();
    expect(result.ok, result.detail).toBe(ok);
    expect(result.healthy).toBe(healthy);
  });
});
