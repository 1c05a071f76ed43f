import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { get, startBackend, startProxy, type Backend } from "./helpers.ts";

const TOKEN = "0123456789abcdef-token";

describe("admin API", () => {
  let backend: Backend;
  let withToken: RegionalProxy;
  let withoutToken: RegionalProxy;
  const config = (admin: string) => `listeners: [{ address: 127.0.0.1:0 }]
admin: ${admin}
routes: [{ upstream: app }]
upstreams: { app: { servers: [{ address: ${backend.address}, weight: 2 }] } }`;

  beforeAll(async () => {
    backend = await startBackend("a");
    withToken = await startProxy(config(`{ address: 127.0.0.1:0, token: "${TOKEN}" }`));
    withoutToken = await startProxy(config("{ address: 127.0.0.1:0 }"));
    await get(withToken.listenAddresses[0]!.port, "/");
  });
  afterAll(async () => {
    await withToken.close();
    await withoutToken.close();
    await backend.close();
  });

  const adminPort = () => withToken.adminAddress.port;

  it("/health is liveness", async () => {
    expect(await get(adminPort(), "/health")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
  });

  it("/ready answers the document the tier-1 proxy probe reads", async () => {
    const r = await get(adminPort(), "/ready");
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({
      ready: true,
      healthy: 1,
      total: 1,
      capacity: 1,
      draining: false,
      groups: { app: { healthy: 1, total: 1, capacity: 1, ready: true } },
    });
  });

  it("/metrics has per-upstream request, latency, state and connection series", async () => {
    const { body } = await get(adminPort(), "/metrics");
    const id = backend.address;
    for (const series of [
      `gslb_proxy_requests_total{group="app",upstream="${id}",code="2xx"} 1`,
      `gslb_proxy_request_duration_seconds_count{group="app",upstream="${id}"} 1`,
      `gslb_proxy_upstream_state{group="app",upstream="${id}",state="up"} 1`,
      `gslb_proxy_upstream_active_requests{group="app",upstream="${id}"} 0`,
      `gslb_proxy_upstream_connections{group="app",upstream="${id}"}`,
      "gslb_proxy_ready 1",
    ]) {
      expect(body).toContain(series);
    }
  });

  it("/status renders an HTML row per upstream and refreshes itself", async () => {
    const r = await get(adminPort(), "/status");
    expect(r.headers["content-type"]).toContain("text/html");
    expect(r.body).toContain('<meta http-equiv="refresh" content="2">');
    expect(r.body).toContain(`data-id="${backend.address}" data-state="up"`);
  });

  it.each([
    {
      name: "no token presented",
      proxy: "with",
      auth: undefined,
      path: `/upstreams/app/${"ID"}/drain`,
      status: 401,
    },
    {
      name: "a wrong token",
      proxy: "with",
      auth: "Bearer wrong-token-wrong-token!",
      path: "/upstreams/app/ID/drain",
      status: 401,
    },
    {
      name: "writes disabled without admin.token",
      proxy: "without",
      auth: `Bearer ${TOKEN}`,
      path: "/upstreams/app/ID/drain",
      status: 403,
    },
    {
      name: "an unknown upstream",
      proxy: "with",
      auth: `Bearer ${TOKEN}`,
      path: "/upstreams/app/127.0.0.1:1/drain",
      status: 404,
    },
    { name: "an unknown path", proxy: "with", auth: `Bearer ${TOKEN}`, path: "/nope", status: 404 },
  ])("refuses a drain with $name ($status)", async ({ proxy, auth, path, status }) => {
    const target = proxy === "with" ? withToken : withoutToken;
    const url = `http://127.0.0.1:${target.adminAddress.port}${path.replace("ID", encodeURIComponent(backend.address))}`;
    const r = await fetch(url, {
      method: "POST",
      headers: auth === undefined ? {} : { authorization: auth },
    });
    expect(r.status).toBe(status);
    expect(target.upstreams()).toHaveLength(1);
  });
});
