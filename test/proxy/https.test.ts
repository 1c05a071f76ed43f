import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Agent, request } from "undici";
import { loadProxyConfig } from "../../src/proxy/config/load.ts";
import { RegionalProxy } from "../../src/proxy/proxy.ts";
import { rawExchange, startBackend } from "./helpers.ts";

describe("HTTPS listener", () => {
  const dir = mkdtempSync(join(tmpdir(), "gslb-proxy-tls-"));
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  it("terminates TLS with the configured certificate and forwards X-Forwarded-Proto https", async () => {
    const made = spawnSync("openssl", [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      "/CN=localhost",
      "-days",
      "1",
      "-keyout",
      join(dir, "key.pem"),
      "-out",
      join(dir, "cert.pem"),
    ]);
    expect(made.status).toBe(0);
    const backend = await startBackend("tls", (req, res) =>
      res.end(String(req.headers["x-forwarded-proto"])),
    );
    cleanup.push(() => backend.close());
    writeFileSync(
      join(dir, "proxy.yaml"),
      `listeners: [{ address: 127.0.0.1:0, tls: { cert: cert.pem, key: key.pem } }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: app }]
upstreams: { app: { servers: [{ address: ${backend.address} }] } }
`,
    );
    const proxy = await RegionalProxy.start(await loadProxyConfig(join(dir, "proxy.yaml")));
    cleanup.unshift(() => proxy.close());
    const insecure = new Agent({ connect: { rejectUnauthorized: false } });
    cleanup.unshift(() => insecure.close());
    const r = await request(`https://127.0.0.1:${proxy.listenAddresses[0]!.port}/`, { dispatcher: insecure });
    expect(r.statusCode).toBe(200);
    expect(await r.body.text()).toBe("https");
    const plain = await request(`http://127.0.0.1:${proxy.listenAddresses[0]!.port}/`).catch(() => "refused");
    expect(plain).not.toHaveProperty("statusCode", 200);
  });

  it.each([
    {
      why: "bug: a TLS client that never finishes its handshake held its connection for 120 s",
      chunks: ["\x16\x03\x01"],
    },
    { why: "a client that connects and sends nothing", chunks: [] },
  ])("$why: cut off after client_header", async ({ chunks }) => {
    writeFileSync(
      join(dir, "slow.yaml"),
      `listeners: [{ address: 127.0.0.1:0, tls: { cert: cert.pem, key: key.pem } }, { address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
timeouts: { client_header: 300ms }
routes: [{ upstream: app }]
upstreams: { app: { servers: [{ address: 127.0.0.1:9 }] } }
`,
    );
    const proxy = await RegionalProxy.start(await loadProxyConfig(join(dir, "slow.yaml")));
    cleanup.unshift(() => proxy.close());
    for (const { port } of proxy.listenAddresses) {
      const result = await rawExchange(port, chunks, 0, 4_000);
      expect(result.closedByServer).toBe(true);
    }
  });
});
