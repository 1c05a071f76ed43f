/**
 * A live status page in the spirit of HAProxy's stats page: one table per upstream group, one row per
 * upstream, coloured by state; server-rendered (no scripts) and refreshed by the browser every 2 s.
 */
import type { UpstreamSnapshot } from "./pool.ts";
import type { Readiness } from "./proxy.ts";
import type { UpstreamState } from "./upstream.ts";

const STATE_COLOUR: Readonly<Record<UpstreamState, string>> = {
  up: "#c0ffc0",
  slow_start: "#e0ffa0",
  unknown: "#e0e0e0",
  down: "#ffb0b0",
  failed: "#ffd0a0",
  ejected: "#ffd0a0",
  draining: "#a0c8ff",
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderStatusPage(
  readiness: Readiness,
  upstreams: readonly UpstreamSnapshot[],
  now: Date,
): string {
  const groups = new Map<string, UpstreamSnapshot[]>();
  for (const u of upstreams) groups.set(u.group, [...(groups.get(u.group) ?? []), u]);
  const sections = [...groups.entries()]
    .map(([name, members]) => renderGroup(name, members, readiness))
    .join("\n");
  const verdict = readiness.ready ? "READY" : readiness.draining ? "DRAINING" : "NOT READY";
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="2">
<title>gslb proxy status</title>
<style>
body{font:13px system-ui,sans-serif;margin:1em}table{border-collapse:collapse;margin-bottom:1.5em}
th,td{border:1px solid #999;padding:2px 8px;text-align:right}th{background:#446;color:#fff}td.name{text-align:left}
#summary span{font-weight:bold}.ready{color:#070}.not-ready{color:#b00}
</style></head><body>
<h1>gslb regional proxy</h1>
<p id="summary">Status: <span class="${readiness.ready ? "ready" : "not-ready"}" id="verdict">${verdict}</span>
— healthy <span id="healthy">${readiness.healthy}</span> / <span id="total">${readiness.total}</span>,
capacity <span id="capacity">${Math.round(readiness.capacity * 100)}%</span> — ${escapeHtml(now.toISOString())}</p>
${sections}
</body></html>
`;
}

function renderGroup(name: string, members: readonly UpstreamSnapshot[], readiness: Readiness): string {
  const group = readiness.groups[name];
  const rows = members
    .map(
      (
        u,
      ) => `<tr class="upstream" data-id="${escapeHtml(u.id)}" data-state="${u.state}" style="background:${STATE_COLOUR[u.state]}">
<td class="name">${escapeHtml(u.id)}${u.backup ? " (backup)" : ""}</td><td class="state">${u.state}</td><td>${u.weight}</td>
<td>${u.effectiveWeight.toFixed(1)}</td><td>${u.active}</td><td>${u.ewmaMs.toFixed(1)}</td><td>${u.ejections}</td></tr>`,
    )
    .join("\n");
  return `<table class="group" data-group="${escapeHtml(name)}">
<caption>${escapeHtml(name)} — ${group?.healthy ?? 0}/${group?.total ?? 0} healthy${group?.ready === false ? " (not ready)" : ""}</caption>
<tr><th>upstream</th><th>state</th><th>weight</th><th>eff. weight</th><th>in flight</th><th>EWMA ms</th><th>ejections</th></tr>
${rows}
</table>`;
}
