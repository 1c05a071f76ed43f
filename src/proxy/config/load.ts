/** Reads, validates and freezes a proxy configuration; every problem as `file:line: path: reason`. */
import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { ErrorCodes, InputError, type Problem } from "../../errors.ts";
import { formatPath, parseYaml, type YamlSource } from "../../zones/yaml-source.ts";
import { proxyConfigSchema, type ProxyConfigData } from "./schema.ts";

export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface ProxyConfig extends ProxyConfigData {
  readonly file: string;
  /** Certificate and key of each listener (same index), read at load time; undefined for plain HTTP. */
  readonly listenerTls: readonly (TlsMaterial | undefined)[];
  /** PEM content of every upstream `tls.ca` file, by the path as written in the config; read at load time. */
  readonly upstreamCa: Readonly<Record<string, Buffer>>;
}

export async function loadProxyConfig(file: string): Promise<ProxyConfig> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new InputError(ErrorCodes.PROXY_CONFIG, [
      { file, line: 0, path: "", reason: `cannot read: ${(error as Error).message}` },
    ]);
  }
  return parseProxyConfig(text, file);
}

/** Validates `text` (the content of `file`). Throws InputError(PROXY_CONFIG) listing every problem. */
export function parseProxyConfig(text: string, file: string): ProxyConfig {
  const source = parseYaml(text, file);
  if (source.syntaxProblems.length > 0) throw new InputError(ErrorCodes.PROXY_CONFIG, source.syntaxProblems);
  const parsed = proxyConfigSchema.safeParse(source.value ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      problemAt(source, issue.path as (string | number)[], issue.message),
    );
    throw new InputError(ErrorCodes.PROXY_CONFIG, problems);
  }
  const problems = semanticProblems(parsed.data).map(([path, reason]) => problemAt(source, path, reason));
  const listenerTls = parsed.data.listeners.map((listener, i) => {
    if (listener.tls === undefined) return undefined;
    const base = dirname(resolve(file));
    const read = (key: "cert" | "key"): Buffer => {
      try {
        return readFileSync(resolve(base, listener.tls![key]));
      } catch (error) {
        problems.push(
          problemAt(source, ["listeners", i, "tls", key], `cannot read: ${(error as Error).message}`),
        );
        return Buffer.alloc(0);
      }
    };
    return { cert: read("cert"), key: read("key") };
  });
  const upstreamCa: Record<string, Buffer> = {};
  for (const [name, group] of Object.entries(parsed.data.upstreams)) {
    group.servers.forEach((server, i) => {
      const ca = server.tls?.ca;
      if (ca === undefined || upstreamCa[ca] !== undefined) return;
      try {
        upstreamCa[ca] = readFileSync(resolve(dirname(resolve(file)), ca));
      } catch (error) {
        problems.push(
          problemAt(
            source,
            ["upstreams", name, "servers", i, "tls", "ca"],
            `cannot read: ${(error as Error).message}`,
          ),
        );
      }
    });
  }
  if (problems.length > 0) throw new InputError(ErrorCodes.PROXY_CONFIG, problems);
  return deepFreeze({ ...parsed.data, file, listenerTls, upstreamCa });
}

function problemAt(source: YamlSource, path: readonly (string | number)[], reason: string): Problem {
  return { file: source.file, line: source.lineOf(path), path: formatPath(path), reason };
}

type Located = [path: (string | number)[], reason: string];

/** What zod cannot see: references between sections and combinations of fields. */
function semanticProblems(config: ProxyConfigData): Located[] {
  const problems: Located[] = [];
  config.routes.forEach((route, i) => {
    if (config.upstreams[route.upstream] === undefined) {
      problems.push([["routes", i, "upstream"], `unknown upstream "${route.upstream}"`]);
    }
  });
  if (config.timeouts.client_header > config.timeouts.client_request) {
    problems.push([["timeouts", "client_header"], "client_header must not exceed client_request"]);
  }
  for (const [name, group] of Object.entries(config.upstreams)) {
    const isHash = group.balancer === "consistent-hash";
    if (isHash && group.hash === undefined)
      problems.push([
        ["upstreams", name, "balancer"],
        "consistent-hash needs a `hash` (header, cookie or path)",
      ]);
    if (!isHash && group.hash !== undefined)
      problems.push([
        ["upstreams", name, "hash"],
        `hash applies only to consistent-hash, not ${group.balancer}`,
      ]);
    if (group.servers.every((server) => server.backup))
      problems.push([["upstreams", name, "servers"], "needs at least one server that is not a backup"]);
    const seen = new Set<string>();
    group.servers.forEach((server, i) => {
      const id = serverId(server.address);
      if (seen.has(id))
        problems.push([["upstreams", name, "servers", i, "address"], `duplicate server ${id}`]);
      seen.add(id);
    });
    if (group.outlier.base_ejection > group.outlier.max_ejection) {
      problems.push([
        ["upstreams", name, "outlier", "max_ejection"],
        "max_ejection must not be shorter than base_ejection",
      ]);
    }
  }
  return problems;
}

export function serverId(address: { readonly host: string; readonly port: number }): string {
  return address.host.includes(":") ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value) && !Buffer.isBuffer(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
