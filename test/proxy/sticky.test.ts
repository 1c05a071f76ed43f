/** Cookie sticky sessions (route `sticky: { cookie, ttl }`): exact cookie, honoured while up, fallback otherwise. */
import { afterAll, describe, expect, it } from "vitest";
import type { RegionalProxy } from "../../src/proxy/proxy.ts";
import { stickyKeyOf } from "../../src/proxy/upstream.ts";
import { get, startBackend, startProxy, upstreamsYaml, type Backend } from "./helpers.ts";

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.reverse()) await close();
});

async function setup(
  sticky: string,
  group = "",
): Promise<{ p: RegionalProxy; a: Backend; b: Backend; port: number }> {
  const a = await startBackend("a");
  const b = await startBackend("b");
  closers.push(
    () => a.close(),
    () => b.close(),
  );
  const p = await startProxy(`listeners: [{ address: 127.0.0.1:0 }]
admin: { address: 127.0.0.1:0 }
routes:
  - { path_prefix: /app, upstream: app, sticky: ${sticky} }
  - { upstream: app }
upstreams:
  app:
    balancer: round-robin
${group}    servers:
${upstreamsYaml([a, b])}`);
  closers.push(() => p.close());
  return { p, a, b, port: p.listenAddresses[0]!.port };
}

const cookieOf = (r: { headers: Record<string, string | string[] | undefined> }): string[] => {
  const value = r.headers["set-cookie"];
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
};

describe("sticky sessions", () => {
  it("sets an opaque cookie naming the upstream that answered, with the configured Max-Age", async () => {
    const { a, b, port } = await setup("{ cookie: srv, ttl: 1h }");
    const first = await get(port, "/app");
    const chosen = first.body === "a" ? a : b;
    expect(cookieOf(first)).toEqual([
      `srv=${stickyKeyOf(chosen.address)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=3600`,
    ]);
    expect(cookieOf(first)[0]).not.toContain("127.0.0.1");
  });

  it.each([{ target: "a" }, { target: "b" }])(
    "honours the cookie of upstream $target on every request, and does not set it again",
    async ({ target }) => {
      const { a, b, port } = await setup("{ cookie: srv }");
      const key = stickyKeyOf((target === "a" ? a : b).address);
      const answers = [];
      for (let i = 0; i < 6; i++) answers.push(await get(port, "/app/x", { cookie: `other=1; srv=${key}` }));
      expect(answers.map((r) => r.body)).toEqual(Array(6).fill(target));
      expect(answers.flatMap(cookieOf)).toEqual([]);
    },
  );

  it("falls back to the balancer for an unknown cookie and replaces it (negative half)", async () => {
    const { port } = await setup("{ cookie: srv }");
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const r = await get(port, "/app", { cookie: "srv=forged-value" });
      bodies.push(r.body);
      expect(cookieOf(r)).toHaveLength(1);
    }
    expect(bodies).toEqual(["a", "b", "a", "b"]);
  });

  it.each([
    { why: "draining", act: (p: RegionalProxy, a: Backend) => p.drainUpstream("app", a.address) },
    { why: "down", act: async (_p: RegionalProxy, a: Backend) => a.close() },
  ])("moves a client off its upstream once it is $why, and re-pins it", async ({ act }) => {
    const { p, a, b, port } = await setup("{ cookie: srv }", "    panic_threshold: 0\n");
    const keyA = stickyKeyOf(a.address);
    expect((await get(port, "/app", { cookie: `srv=${keyA}` })).body).toBe("a");
    await act(p, a);
    const moved = await get(port, "/app", { cookie: `srv=${keyA}` });
    expect(moved.body).toBe("b");
    expect(cookieOf(moved)).toEqual([`srv=${stickyKeyOf(b.address)}; Path=/; HttpOnly; SameSite=Lax`]);
    const next = await get(port, "/app", { cookie: `srv=${keyA}` });
    expect(next.body).toBe("b");
  });

  it("applies only to the route that asks for it", async () => {
    const { a, port } = await setup("{ cookie: srv }");
    const bodies = [];
    for (let i = 0; i < 4; i++) {
      const r = await get(port, "/other", { cookie: `srv=${stickyKeyOf(a.address)}` });
      bodies.push(r.body);
      expect(cookieOf(r)).toEqual([]);
    }
    expect(bodies.sort()).toEqual(["a", "a", "b", "b"]);
  });
});
