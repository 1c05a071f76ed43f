/**
 * The hand-off to tier 1: the DNS tier's own `kind: proxy` probe (src/health/probes/proxy.ts) reads this
 * proxy's /ready and must see the region up while it can serve, and down below min_healthy or when draining.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkSchema, type ProxyCheck } from "../../src/health/check-schema.ts";
import { createProxyProbe } from "../../src/health/probes/proxy.ts";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { startBackend, startProxy, upstreamsYaml, type Backend } from "./helpers.ts";

describe("tier-1 proxy probe against /ready", () => {
  let backends: Backend[];
  let proxy: RegionalProxy;
  const probe = createProxyProbe(
    checkSchema.parse({ kind: "proxy", timeout: "1s", interval: "2s" }) as ProxyCheck,
  );

  beforeAll(async () => {
    backends = await Promise.all(["a", "b"].map((n) => startBackend(n)));
    proxy = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: app }]
upstreams:
  app:
    min_healthy: 2
    servers:
${upstreamsYaml(backends)}`);
  });
  afterAll(async () => {
    await probe.close?.();
    await proxy.close();
    for (const b of backends) await b.close();
  });

  const run = () =>
    probe.run({ host: "127.0.0.1", port: proxy.adminAddress.port }, new AbortController().signal);

  it("is up with every backend healthy, and carries the healthy count", async () => {
    expect(await run()).toMatchObject({ ok: true, healthy: 2 });
  });

  it("is down below min_healthy (a drained backend no longer counts)", async () => {
    proxy.drainUpstream("app", backends[0]!.address);
    expect(await run()).toMatchObject({ ok: false, healthy: 1 });
  });
});
