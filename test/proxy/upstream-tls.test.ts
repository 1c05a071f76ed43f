/** HTTPS upstreams: certificates verified by default; `ca`, `servername` and `verify: false` as configured. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProxyConfig } from "../../src/proxy/config/load.ts";
import { RegionalProxy } from "../../src/proxy/proxy.ts";
import { get } from "./helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "gslb-proxy-upstream-tls-"));
let backend: Server;
let port = 0;
const proxies: RegionalProxy[] = [];

beforeAll(async () => {
  // A self-signed certificate for "backend.test" only: neither the system roots nor "127.0.0.1" match it.
  const made = spawnSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=backend.test",
    "-addext",
    "subjectAltName=DNS:backend.test",
    "-days",
    "1",
    "-keyout",
    join(dir, "key.pem"),
    "-out",
    join(dir, "ca.pem"),
  ]);
  expect(made.status).toBe(0);
  backend = createServer(
    { cert: readFileSync(join(dir, "ca.pem")), key: readFileSync(join(dir, "key.pem")) },
    (_req, res) => res.end("secure"),
  );
  await new Promise<void>((resolve) => backend.listen(0, "127.0.0.1", resolve));
  port = (backend.address() as AddressInfo).port;
});

afterAll(async () => {
  for (const p of proxies) await p.close();
  backend.closeAllConnections();
  await new Promise((resolve) => backend.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

async function through(tls: string): Promise<{ status: number; body: string }> {
  const file = join(dir, `proxy-${proxies.length}.yaml`);
  writeFileSync(
    file,
    `listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes: [{ upstream: app }]
retries: { tries: 1 }
upstreams: { app: { servers: [{ address: 127.0.0.1:${port}, tls: ${tls} }] } }
`,
  );
  const proxy = await RegionalProxy.start(await loadProxyConfig(file));
  proxies.push(proxy);
  const r = await get(proxy.listenAddresses[0]!.port, "/");
  return { status: r.status, body: r.status === 200 ? r.body : "" };
}

describe("upstream TLS", () => {
  it.each([
    {
      tls: "true",
      expected: { status: 502, body: "" },
      why: "verified by default: an unknown CA is refused",
    },
    {
      tls: "{ ca: ca.pem }",
      expected: { status: 502, body: "" },
      why: "a trusted CA but the wrong name (127.0.0.1) is refused",
    },
    {
      tls: "{ ca: ca.pem, servername: other.test }",
      expected: { status: 502, body: "" },
      why: "a servername the certificate does not carry is refused",
    },
    {
      tls: "{ ca: ca.pem, servername: backend.test }",
      expected: { status: 200, body: "secure" },
      why: "the configured CA and name are accepted",
    },
    {
      tls: "{ verify: false }",
      expected: { status: 200, body: "secure" },
      why: "verify: false accepts anything",
    },
  ])("tls: $tls → $expected.status ($why)", async ({ tls, expected }) => {
    expect(await through(tls)).toEqual(expected);
  });
});
