/** Loopback backends and a proxy on port 0 for the integration tests. */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { request as undiciRequest, Agent } from "undici";
import { parseProxyConfig } from "../../src/proxy/config/load.ts";
import { RegionalProxy, type ProxyOptions } from "../../src/proxy/proxy.ts";

export interface Backend {
  readonly name: string;
  readonly server: Server;
  readonly port: number;
  readonly address: string;
  /** Requests seen, in order. */
  readonly seen: IncomingMessage[];
  close(): Promise<void>;
}

export type BackendHandler = (req: IncomingMessage, res: ServerResponse, name: string) => void;

/** Answers `name` (the body) unless `handler` takes over. `?delay=MS` delays the answer. */
export const defaultHandler: BackendHandler = (req, res, name) => {
  const delay = Number(new URL(req.url ?? "/", "http://x").searchParams.get("delay") ?? "0");
  const answer = () => {
    res.writeHead(200, { "content-type": "text/plain", "x-backend": name });
    res.end(name);
  };
  if (delay > 0) setTimeout(answer, delay);
  else answer();
};

export async function startBackend(
  name: string,
  handler: BackendHandler = defaultHandler,
  port = 0,
): Promise<Backend> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res, name);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    name,
    server,
    port: bound,
    address: `127.0.0.1:${bound}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export async function startProxy(yaml: string, options: ProxyOptions = {}): Promise<RegionalProxy> {
  return RegionalProxy.start(parseProxyConfig(yaml, "test.yaml"), options);
}

export const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

export async function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, string | string[] | undefined> }> {
  const response = await undiciRequest(`http://127.0.0.1:${port}${path}`, { dispatcher: agent, headers });
  return { status: response.statusCode, body: await response.body.text(), headers: response.headers };
}

/** Runs `total` GETs of `path` with `concurrency` workers; returns the responses in completion order. */
export async function load(
  port: number,
  total: number,
  concurrency: number,
  path = "/",
): Promise<{ status: number; body: string }[]> {
  const results: { status: number; body: string }[] = [];
  let next = 0;
  const worker = async () => {
    while (next < total) {
      next++;
      const r = await get(port, path).catch((error: unknown) => ({
        status: 0,
        body: String(error),
        headers: {},
      }));
      results.push({ status: r.status, body: r.body });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

export function shares(results: readonly { body: string }[], names: readonly string[]): number[] {
  return names.map((n) => results.filter((r) => r.body === n).length / results.length);
}

export function upstreamsYaml(
  backends: readonly Backend[],
  extra: (b: Backend, i: number) => string = () => "",
): string {
  return backends.map((b, i) => `      - address: ${b.address}\n${extra(b, i)}`).join("");
}

/** Raw socket exchange: writes `chunks` (with `gapMs` between them), resolves with all bytes read and whether the server closed. */
export async function rawExchange(
  port: number,
  chunks: readonly string[],
  gapMs = 0,
  maxMs = 5_000,
): Promise<{ text: string; closedByServer: boolean; chunksSent: number }> {
  const { connect } = await import("node:net");
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    let sent = 0;
    let closed = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      clearTimeout(cap);
      socket.destroy();
      resolve({ text, closedByServer: closed, chunksSent: sent });
    };
    const cap = setTimeout(finish, maxMs);
    socket.on("data", (d) => (text += d.toString("latin1")));
    socket.on("error", () => undefined);
    socket.on("close", () => {
      closed = true;
      finish();
    });
    const sendNext = () => {
      if (closed || sent >= chunks.length) return;
      socket.write(chunks[sent++]!);
      if (sent < chunks.length) timer = setTimeout(sendNext, gapMs);
    };
    socket.on("connect", sendNext);
  });
}

/** Polls `check` until it returns true or `ms` pass; returns the last result. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  ms = 5_000,
  every = 20,
): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return check();
}
