/**
 * A small MaxMind DB writer (format 2.0, https://maxmind.github.io/MaxMind-DB/), so tests build exact fixtures:
 * a binary search tree of networks, a data section, and the metadata map after the marker.
 * Numbers: non-integers are written as double, negative integers as int32, other integers as uint32.
 */
import { parseIp } from "../../src/geo/address.ts";

export type MmdbValue =
  string | number | boolean | readonly MmdbValue[] | { readonly [key: string]: MmdbValue };

export interface MmdbNetwork {
  /** "192.0.2.0/24" or "2001:db8::/32". Later entries override earlier ones where they overlap. */
  readonly network: string;
  readonly record: MmdbValue;
}

export interface MmdbOptions {
  readonly ipVersion: 4 | 6;
  readonly recordSize?: 24 | 28 | 32;
  readonly databaseType?: string;
  readonly networks: readonly MmdbNetwork[];
}

type Child = TreeNode | { readonly data: number } | null;
interface TreeNode {
  left: Child;
  right: Child;
}

const METADATA_MARKER = Buffer.from([0xab, 0xcd, 0xef, ...Buffer.from("MaxMind.com")]);

export function writeMmdb(options: MmdbOptions): Buffer {
  const recordSize = options.recordSize ?? 24;
  const records: Buffer[] = [];
  const recordIndex = new Map<string, number>();
  const root: TreeNode = { left: null, right: null };
  for (const { network, record } of options.networks) {
    const key = JSON.stringify(record);
    let index = recordIndex.get(key);
    if (index === undefined) {
      index = records.length;
      records.push(encode(record));
      recordIndex.set(key, index);
    }
    const [bits, length] = networkBits(network, options.ipVersion);
    insert(root, bits, length, { data: index });
  }
  const dataOffsets: number[] = [];
  let offset = 0;
  for (const r of records) {
    dataOffsets.push(offset);
    offset += r.length;
  }
  const nodes = numberNodes(root);
  const nodeCount = nodes.length;
  const valueOf = (child: Child): number => {
    if (child === null) return nodeCount;
    if ("data" in child) return nodeCount + 16 + dataOffsets[child.data]!;
    return nodes.indexOf(child);
  };
  const nodeBytes = recordSize / 4;
  const tree = Buffer.alloc(nodeCount * nodeBytes);
  nodes.forEach((node, i) =>
    writeNode(tree, i * nodeBytes, recordSize, valueOf(node.left), valueOf(node.right)),
  );
  const metadata = encode({
    node_count: nodeCount,
    record_size: recordSize,
    ip_version: options.ipVersion,
    database_type: options.databaseType ?? "gslb-test",
    languages: ["en"],
    binary_format_major_version: 2,
    binary_format_minor_version: 0,
    build_epoch: 1_700_000_000,
    description: { en: "gslb test fixture" },
  });
  return Buffer.concat([tree, Buffer.alloc(16), ...records, METADATA_MARKER, metadata]);
}

function networkBits(network: string, ipVersion: 4 | 6): [number[], number] {
  const [address, prefixText] = network.split("/");
  const parsed = parseIp(address ?? "");
  if (parsed === null) throw new Error(`bad network ${network}`);
  const prefix = Number(prefixText ?? (parsed.family === 4 ? 32 : 128));
  const bits: number[] = [];
  if (parsed.family === 6 && ipVersion === 4) throw new Error(`IPv6 network ${network} in an IPv4 database`);
  if (parsed.family === 4 && ipVersion === 6) for (let i = 0; i < 96; i++) bits.push(0);
  for (const byte of parsed.bytes) for (let b = 7; b >= 0; b--) bits.push((byte >> b) & 1);
  return [bits, (parsed.family === 4 && ipVersion === 6 ? 96 : 0) + prefix];
}

function insert(
  root: TreeNode,
  bits: readonly number[],
  length: number,
  leaf: { readonly data: number },
): void {
  if (length === 0) throw new Error("a /0 network is not representable as a record of the root");
  let node = root;
  for (let depth = 0; depth < length - 1; depth++) {
    const side = bits[depth] === 1 ? "right" : "left";
    const child = node[side];
    if (child === null || "data" in child) {
      const expanded: TreeNode = { left: child, right: child };
      node[side] = expanded;
      node = expanded;
    } else {
      node = child;
    }
  }
  node[bits[length - 1] === 1 ? "right" : "left"] = leaf;
}

function numberNodes(root: TreeNode): TreeNode[] {
  const order: TreeNode[] = [];
  const queue: TreeNode[] = [root];
  while (queue.length > 0) {
    const node = queue.shift()!;
    order.push(node);
    for (const child of [node.left, node.right]) if (child !== null && !("data" in child)) queue.push(child);
  }
  return order;
}

function writeNode(buf: Buffer, at: number, recordSize: 24 | 28 | 32, left: number, right: number): void {
  if (recordSize === 24) {
    buf.writeUIntBE(left, at, 3);
    buf.writeUIntBE(right, at + 3, 3);
  } else if (recordSize === 28) {
    buf.writeUIntBE(left & 0xffffff, at, 3);
    buf[at + 3] = ((left >>> 24) << 4) | (right >>> 24);
    buf.writeUIntBE(right & 0xffffff, at + 4, 3);
  } else {
    buf.writeUInt32BE(left, at);
    buf.writeUInt32BE(right, at + 4);
  }
}

const TYPE = {
  string: 2,
  double: 3,
  uint16: 5,
  uint32: 6,
  map: 7,
  int32: 8,
  uint64: 9,
  array: 11,
  boolean: 14,
};

function control(type: number, size: number): Buffer {
  const head: number[] = [];
  let first = type <= 7 ? type << 5 : 0;
  const ext = type <= 7 ? [] : [type - 7];
  let sizeBytes: number[] = [];
  if (size < 29) first |= size;
  else if (size < 29 + 256) {
    first |= 29;
    sizeBytes = [size - 29];
  } else if (size < 285 + 65536) {
    first |= 30;
    sizeBytes = [(size - 285) >> 8, (size - 285) & 0xff];
  } else {
    first |= 31;
    const s = size - 65821;
    sizeBytes = [(s >> 16) & 0xff, (s >> 8) & 0xff, s & 0xff];
  }
  head.push(first, ...ext, ...sizeBytes);
  return Buffer.from(head);
}

function unsigned(type: number, value: number): Buffer {
  const bytes: number[] = [];
  for (let v = value; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.concat([control(type, bytes.length), Buffer.from(bytes)]);
}

export function encode(value: MmdbValue): Buffer {
  if (typeof value === "string") {
    const text = Buffer.from(value, "utf8");
    return Buffer.concat([control(TYPE.string, text.length), text]);
  }
  if (typeof value === "boolean") return control(TYPE.boolean, value ? 1 : 0);
  if (typeof value === "number") {
    if (!Number.isInteger(value)) {
      const payload = Buffer.alloc(8);
      payload.writeDoubleBE(value);
      return Buffer.concat([control(TYPE.double, 8), payload]);
    }
    if (value < 0) {
      const payload = Buffer.alloc(4);
      payload.writeInt32BE(value);
      return Buffer.concat([control(TYPE.int32, 4), payload]);
    }
    return unsigned(value < 2 ** 32 ? TYPE.uint32 : TYPE.uint64, value);
  }
  if (Array.isArray(value)) {
    return Buffer.concat([control(TYPE.array, value.length), ...value.map((v: MmdbValue) => encode(v))]);
  }
  const entries = Object.entries(value as { readonly [key: string]: MmdbValue });
  return Buffer.concat([
    control(TYPE.map, entries.length),
    ...entries.flatMap(([k, v]) => [encode(k), encode(v)]),
  ]);
}
