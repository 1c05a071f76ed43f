import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { get, startBackend, startProxy, upstreamsYaml, type Backend } from "./helpers.ts";

describe("smoke", () => {
  let backends: Backend[] = [];
  let proxy: RegionalProxy;
  beforeAll(async () => {
    backends = await Promise.all(["a", "b"].map((n) => startBackend(n)));
    proxy = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: app }]
upstreams:
  app:
    balancer: round-robin
    servers:
${upstreamsYaml(backends)}`);
  });
  afterAll(async () => {
    await proxy.close();
    await Promise.all(backends.map((b) => b.close()));
  });

  it("forwards", async () => {
    const port = proxy.listenAddresses[0]!.port;
    const bodies = [];
    for (let i = 0; i < 4; i++) bodies.push((await get(port, "/")).body);
    expect(bodies).toEqual(["a", "b", "a", "b"]);
  });
});
