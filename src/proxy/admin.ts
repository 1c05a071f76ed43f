/**
 * The proxy's admin API: `/health` (liveness), `/ready` (readiness JSON, 503 when not ready — what tier 1's
 * `proxy` check reads), `/metrics` (Prometheus), `/status` (live HTML page) and `/status.json`; writes
 * (`POST /upstreams/GROUP/ID/drain`) need `Authorization: Bearer TOKEN`.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { RegionalProxy } from "./proxy.ts";
import { renderStatusPage } from "./status-page.ts";

export function createAdminServer(proxy: RegionalProxy, token: string | undefined): Server {
  const server = createServer({ headersTimeout: 5_000, requestTimeout: 10_000 }, (req, res) => {
    route(proxy, token, req, res).catch((error: unknown) => {
      // The failure may come after the head went out: then only the connection can say so.
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { error: String(error) });
    });
  });
  return server;
}

async function route(
  proxy: RegionalProxy,
  token: string | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const path = (req.url ?? "/").split("?")[0]!;
  const method = req.method ?? "GET";
  if (method === "GET" || method === "HEAD") {
    switch (path) {
      case "/health":
        return sendJson(res, 200, { status: "ok" });
      case "/ready": {
        const readiness = proxy.readiness();
        return sendJson(res, readiness.ready ? 200 : 503, readiness);
      }
      case "/metrics": {
        const body = await proxy.metrics.registry.metrics();
        res.writeHead(200, { "content-type": proxy.metrics.registry.contentType });
        res.end(body);
        return;
      }
      case "/status.json":
        return sendJson(res, 200, { readiness: proxy.readiness(), upstreams: proxy.upstreams() });
      case "/":
      case "/status": {
        const html = renderStatusPage(proxy.readiness(), proxy.upstreams(), new Date());
        res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
        res.end(html);
        return;
      }
    }
  }
  const drain = /^\/upstreams\/([^/]+)\/([^/]+)\/drain$/.exec(path);
  if (drain !== null && method === "POST") {
    const denied = authorize(token, req.headers.authorization);
    if (denied !== undefined)
      return sendJson(res, denied, {
        error: denied === 401 ? "bearer token required" : "write endpoints are disabled (no admin.token)",
      });
    const group = decodeURIComponent(drain[1]!);
    const id = decodeURIComponent(drain[2]!);
    return proxy.drainUpstream(group, id)
      ? sendJson(res, 202, { draining: id, group })
      : sendJson(res, 404, { error: `no upstream ${id} in ${group}` });
  }
  sendJson(res, 404, { error: "not found" });
}

/** undefined when allowed; else the status to answer. */
function authorize(token: string | undefined, header: string | undefined): number | undefined {
  if (token === undefined) return 403;
  const presented = /^Bearer (.+)$/.exec(header ?? "")?.[1];
  if (presented === undefined) return 401;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b) ? undefined : 401;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    "cache-control": "no-store",
  });
  res.end(text);
}
