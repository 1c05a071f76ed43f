/**
 * Regional proxy readiness probe: GET the proxy's readiness endpoint, which answers
 * `{"ready": bool, "healthy": n, "total": n, "capacity": n}` (200 when ready, 503 when not).
 * Up only while `ready` is true (and at least `minHealthy` backends are healthy); the healthy count rides
 * along on the result.
 */
import { Agent, request } from "undici";
import { z } from "zod";
import type { ProxyCheck } from "../check-schema.ts";
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

export const readinessSchema = z.object({
  ready: z.boolean(),
  healthy: z.number().int().min(0),
  total: z.number().int().min(0),
  capacity: z.number().min(0).optional(),
});

export type Readiness = z.infer<typeof readinessSchema>;

export function createProxyProbe(check: ProxyCheck): Probe {
  const agent = new Agent({ connect: { timeout: check.timeout }, pipelining: 0 });
  return {
    kind: "proxy",
    run: (target, signal) => runProxy(check, agent, target, signal),
    close: () => agent.close(),
  };
}

async function runProxy(
  check: ProxyCheck,
  agent: Agent,
  target: ProbeTarget,
  signal: AbortSignal,
): Promise<ProbeResult> {
  const started = performance.now();
  const limit = deadline(signal, check.timeout);
  const url = `http://${authority(target.host, target.port ?? check.port ?? 80)}${check.path}`;
  try {
    const response = await request(url, {
      dispatcher: agent,
      signal: limit.signal,
      reset: true,
      headersTimeout: check.timeout,
      bodyTimeout: check.timeout,
    });
    const text = await response.body.text();
    const rtt = performance.now() - started;
    return judge(check, response.statusCode, text, rtt);
  } catch (error) {
    return probeErrorResult(error, limit.timedOut(), check.timeout);
  }
}

function judge(check: ProxyCheck, status: number, text: string, rttMs: number): ProbeResult {
  const parsed = readinessSchema.safeParse(safeJson(text));
  if (!parsed.success) return probeFail(`status ${status}: not a readiness document`, rttMs);
  const { ready, healthy, total } = parsed.data;
  const summary = `${healthy}/${total} backends healthy`;
  if (!ready) return { ...probeFail(`proxy not ready, ${summary}`, rttMs), healthy };
  if (healthy < check.minHealthy)
    return { ...probeFail(`${summary}, need ${check.minHealthy}`, rttMs), healthy };
  return probeOk(rttMs, `ready, ${summary}`, healthy);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
