import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";

export interface AdminRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Parsed JSON body (undefined when none was sent). Validate it with zod in the handler. */
  readonly body: unknown;
}

export interface AdminResponse {
  readonly status: number;
  /** Objects are sent as JSON; strings as-is with `contentType`. */
  readonly body: unknown;
  readonly contentType?: string;
}

export type AdminHandler = (req: AdminRequest) => AdminResponse | Promise<AdminResponse>;

interface Route {
  readonly method: string;
  readonly path: string;
  readonly write: boolean;
  readonly handler: AdminHandler;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The admin HTTP API: JSON, reads open (the listener is on loopback by default), writes need
 * `Authorization: Bearer <token>`; without a configured token every write is refused.
 */
export class AdminApi {
  private readonly routes: Route[] = [];
  private readonly token: string | undefined;

  constructor(token: string | undefined) {
    this.token = token;
  }

  get(path: string, handler: AdminHandler): void {
    this.routes.push({ method: "GET", path, write: false, handler });
  }

  post(path: string, handler: AdminHandler): void {
    this.routes.push({ method: "POST", path, write: true, handler });
  }

  delete(path: string, handler: AdminHandler): void {
    this.routes.push({ method: "DELETE", path, write: true, handler });
  }

  async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://admin.invalid");
    const method = req.method ?? "GET";
    const route = this.routes.find((r) => r.path === url.pathname && r.method === method);
    if (route === undefined) {
      const known = this.routes.some((r) => r.path === url.pathname);
      send(res, { status: known ? 405 : 404, body: { error: known ? "method not allowed" : "not found" } });
      return;
    }
    if (route.write && !this.authorized(req.headers.authorization)) {
      const reason =
        this.token === undefined
          ? "writes are disabled: start the server with --admin-token or GSLB_ADMIN_TOKEN"
          : "missing or wrong bearer token";
      send(res, { status: this.token === undefined ? 403 : 401, body: { error: reason } });
      return;
    }
    const body = await readJsonBody(req);
    if (body === INVALID_BODY) {
      send(res, { status: 400, body: { error: "the request body is not valid JSON (or over 1 MiB)" } });
      return;
    }
    try {
      send(res, await route.handler({ method, path: url.pathname, query: url.searchParams, body }));
    } catch (err) {
      send(res, { status: 500, body: { error: err instanceof Error ? err.message : String(err) } });
    }
  }

  private authorized(header: string | undefined): boolean {
    if (this.token === undefined || header === undefined) return false;
    const expected = Buffer.from(`Bearer ${this.token}`);
    const given = Buffer.from(header);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

const INVALID_BODY = Symbol("invalid body");

async function readJsonBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) return INVALID_BODY;
    chunks.push(buf);
  }
  if (size === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8")) as unknown;
  } catch {
    return INVALID_BODY;
  }
}

function send(res: http.ServerResponse, response: AdminResponse): void {
  const isText = typeof response.body === "string";
  const payload = isText ? (response.body as string) : JSON.stringify(response.body, null, 2) + "\n";
  res.writeHead(response.status, {
    "content-type": response.contentType ?? (isText ? "text/plain; charset=utf-8" : "application/json"),
    "content-length": Buffer.byteLength(payload),
    "cache-control": "no-store",
  });
  res.end(payload);
}

export interface AdminListener {
  readonly address: { host: string; port: number };
  close(): Promise<void>;
}

export async function listenAdmin(api: AdminApi, host: string, port: number): Promise<AdminListener> {
  const server = http.createServer((req, res) => {
    api.handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
