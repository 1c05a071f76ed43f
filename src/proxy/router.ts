/**
 * Host + path-prefix routing, compiled once per configuration: the most specific host wins (exact, then the
 * longest `*.suffix`, then `*`), and within it the longest path prefix (plain string prefix, as Envoy's
 * `prefix` and nginx's prefix `location`).
 */
export interface RouteSpec<T> {
  readonly host: string;
  readonly pathPrefix: string;
  readonly target: T;
}

interface CompiledRoute<T> {
  readonly host: string;
  readonly kind: "exact" | "suffix" | "any";
  readonly pathPrefix: string;
  readonly target: T;
}

export class Router<T> {
  private readonly exact = new Map<string, CompiledRoute<T>[]>();
  private readonly suffixes: CompiledRoute<T>[] = [];
  private readonly any: CompiledRoute<T>[] = [];

  constructor(routes: readonly RouteSpec<T>[]) {
    for (const route of routes) {
      const host = route.host.toLowerCase();
      if (host === "*") {
        this.any.push({ host, kind: "any", pathPrefix: route.pathPrefix, target: route.target });
      } else if (host.startsWith("*.")) {
        this.suffixes.push({
          host: host.slice(1),
          kind: "suffix",
          pathPrefix: route.pathPrefix,
          target: route.target,
        });
      } else {
        const list = this.exact.get(host) ?? [];
        list.push({ host, kind: "exact", pathPrefix: route.pathPrefix, target: route.target });
        this.exact.set(host, list);
      }
    }
    const byPrefixLength = (a: CompiledRoute<T>, b: CompiledRoute<T>) =>
      b.pathPrefix.length - a.pathPrefix.length;
    for (const list of this.exact.values()) list.sort(byPrefixLength);
    this.suffixes.sort((a, b) => b.host.length - a.host.length || byPrefixLength(a, b));
    this.any.sort(byPrefixLength);
  }

  /** The target for a Host header value (port and case ignored) and a request path, or undefined. */
  match(hostHeader: string | undefined, path: string): T | undefined {
    const host = hostOnly(hostHeader ?? "");
    const exact = this.exact.get(host);
    if (exact !== undefined) {
      const hit = firstPrefix(exact, path);
      if (hit !== undefined) return hit;
    }
    for (const route of this.suffixes) {
      if (host.endsWith(route.host) && path.startsWith(route.pathPrefix)) return route.target;
    }
    return firstPrefix(this.any, path);
  }
}

function firstPrefix<T>(routes: readonly CompiledRoute<T>[], path: string): T | undefined {
  for (const route of routes) if (path.startsWith(route.pathPrefix)) return route.target;
  return undefined;
}

/** "Example.COM:8080" → "example.com"; "[::1]:80" → "[::1]". */
export function hostOnly(hostHeader: string): string {
  const lower = hostHeader.toLowerCase();
  if (lower.startsWith("[")) {
    const end = lower.indexOf("]");
    return end < 0 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(":");
  return colon < 0 ? lower : lower.slice(0, colon);
}
