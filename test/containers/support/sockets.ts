/**
 * A container's listening sockets, read from /proc/net/{tcp,tcp6,udp,udp6} inside its network namespace
 * (no ss or netstat needed in the image). TCP in state LISTEN (0A); UDP sockets that are bound but not
 * connected (state 07 with no remote address).
 */
import type { EngineRun } from "./engine";

export interface ListeningSocket {
  protocol: "tcp" | "udp";
  address: string;
  port: number;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) {
    return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".");
  }
  // IPv6: four little-endian 32-bit words.
  const words = [0, 1, 2, 3].map((w) => hex.slice(w * 8, w * 8 + 8).match(/../g)!.reverse().join(""));
  const groups = words.join("").match(/.{4}/g)!.map((g) => parseInt(g, 16).toString(16));
  const text = groups.join(":");
  if (text === "0:0:0:0:0:0:0:0") return "::";
  if (text === "0:0:0:0:0:ffff:0:0") return "::ffff:0.0.0.0";
  return text.replace(/(^|:)0(:0)+(:|$)/, "::");
}

/** Parses the text of one /proc/net file. */
export function parseProcNet(text: string, protocol: "tcp" | "udp"): ListeningSocket[] {
  const out: ListeningSocket[] = [];
  for (const line of text.split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 4) continue;
    const [local, remote, state] = [cols[1]!, cols[2]!, cols[3]!];
    const [addrHex, portHex] = local.split(":");
    const listening = protocol === "tcp" ? state === "0A" : state === "07" && /^0+:0000$/.test(remote);
    if (listening) out.push({ protocol, address: decodeAddress(addrHex!), port: parseInt(portHex!, 16) });
  }
  return out;
}

export async function listeningSockets(engine: EngineRun, id: string): Promise<ListeningSocket[]> {
  const read = async (file: string) => (await engine.exec(id, ["cat", `/proc/net/${file}`])).stdout;
  const sockets = [
    ...parseProcNet(await read("tcp"), "tcp"),
    ...parseProcNet(await read("tcp6"), "tcp"),
    ...parseProcNet(await read("udp"), "udp"),
    ...parseProcNet(await read("udp6"), "udp"),
  ];
  const key = (s: ListeningSocket) => `${s.protocol} ${s.address} ${s.port}`;
  return [...new Map(sockets.map((s) => [key(s), s])).values()].sort((a, b) => key(a).localeCompare(key(b)));
}
