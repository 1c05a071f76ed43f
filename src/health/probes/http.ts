/**
 * HTTP/HTTPS probe through undici: one request, verdict from the status and optionally the body.
 * One Agent per check definition (its TLS and connect-timeout settings); no keep-alive, so each run
 * really connects — a dead backend is noticed at the next run, not when a pooled socket times out.
 */
import { Agent, request } from "undici";
import type { HttpCheck } from "../check-schema.ts";
import {
  authority,
  deadline,
  probeErrorResult,
  probeFail,
  probeOk,
  type Probe,
  type ProbeResult,
  type ProbeTarget,
} from "./probe.ts";

/** Bodies are read up to this size for matching; the rest is discarded. */
const MAX_BODY_BYTES = 64 * 1024;

export function createHttpProbe(check: HttpCheck): Probe {
  const agent = new Agent({
    connect: { timeout: check.connectTimeout ?? check.timeout, rejectUnauthorized: check.tlsVerify },
    pipelining: 0,
  });
  const defaultPort = check.kind === "https" ? 443 : 80;
  return {
    kind: check.kind,
    run: (target, signal) =>
      runHttp(check, agent, urlOf(check.kind, target, check.port ?? defaultPort), signal),
    close: () => agent.close(),
  };
}

function urlOf(scheme: string, target: ProbeTarget, fallbackPort: number): string {
  return `${scheme}://${authority(target.host, target.port ?? fallbackPort)}`;
}

async function runHttp(
  check: HttpCheck,
  agent: Agent,
  origin: string,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, check.timeout);
  const headers: Record<string, string> = { ...check.headers, "user-agent": "gslb-health/1" };
  if (check.host !== undefined) headers["host"] = check.host;
  try {
    const response = await request(origin + check.path, {
      dispatcher: agent,
      method: check.method,
      headers,
      signal: limit.signal,
      reset: true,
      headersTimeout: check.timeout,
      bodyTimeout: check.timeout,
    });
    const statusProblem = checkStatus(response.statusCode, check.expect);
    if (statusProblem !== undefined || !needsBody(check)) {
      await response.body.dump();
      const rtt = performance.now() - started;
      return statusProblem === undefined
        ? probeOk(rtt, `status ${response.statusCode}`)
        : probeFail(statusProblem, rtt);
    }
    const body = await readLimited(response.body);
    const rtt = performance.now() - started;
    const bodyProblem = checkBody(body, check);
    return bodyProblem === undefined
      ? probeOk(rtt, `status ${response.statusCode}, body matched`)
      : probeFail(bodyProblem, rtt);
  } catch (error) {
    return probeErrorResult(error, limit.timedOut(), check.timeout);
  }
}

export function statusAllowed(status: number, expect: readonly (readonly [number, number])[]): boolean {
  return expect.some(([low, high]) => status >= low && status <= high);
}

function checkStatus(status: number, expect: readonly (readonly [number, number])[]): string | undefined {
  if (statusAllowed(status, expect)) return undefined;
  const wanted = expect.map(([low, high]) => (low === high ? `${low}` : `${low}-${high}`)).join(",");
  return `status ${status} not in ${wanted}`;
}

function needsBody(check: HttpCheck): boolean {
  return check.body !== undefined || check.bodyRegex !== undefined;
}

function checkBody(body: string, check: HttpCheck): string | undefined {
  if (check.body !== undefined && !body.includes(check.body)) return `body does not contain "${check.body}"`;
  if (check.bodyRegex !== undefined && !check.bodyRegex.test(body))
    return `body does not match /${check.bodyRegex.source}/`;
  return undefined;
}

async function readLimited(body: AsyncIterable<Buffer> & { destroy(): unknown }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= MAX_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY_BYTES).toString("utf8");
}
