/**
 * What the kernel says about a running container: the identity, privileges and mounts of its processes,
 * read from /proc inside it. Parsing is pure (tested on its own); reading goes through `docker exec`.
 */
import type { EngineRun } from "./engine";

/** Linux capability numbers (include/uapi/linux/capability.h). */
export const CAPABILITY_BITS: Readonly<Record<string, number>> = {
  CHOWN: 0, DAC_OVERRIDE: 1, DAC_READ_SEARCH: 2, FOWNER: 3, FSETID: 4, KILL: 5, SETGID: 6, SETUID: 7,
  SETPCAP: 8, LINUX_IMMUTABLE: 9, NET_BIND_SERVICE: 10, NET_BROADCAST: 11, NET_ADMIN: 12, NET_RAW: 13,
  IPC_LOCK: 14, IPC_OWNER: 15, SYS_MODULE: 16, SYS_RAWIO: 17, SYS_CHROOT: 18, SYS_PTRACE: 19, SYS_PACCT: 20,
  SYS_ADMIN: 21, SYS_BOOT: 22, SYS_NICE: 23, SYS_RESOURCE: 24, SYS_TIME: 25, SYS_TTY_CONFIG: 26, MKNOD: 27,
  LEASE: 28, AUDIT_WRITE: 29, AUDIT_CONTROL: 30, SETFCAP: 31, MAC_OVERRIDE: 32, MAC_ADMIN: 33, SYSLOG: 34,
  WAKE_ALARM: 35, BLOCK_SUSPEND: 36, AUDIT_READ: 37, PERFMON: 38, BPF: 39, CHECKPOINT_RESTORE: 40,
};

/** Bit mask of the named capabilities ("NET_BIND_SERVICE" or "CAP_NET_BIND_SERVICE"). */
export function capabilityMask(names: readonly string[]): bigint {
  let mask = 0n;
  for (const raw of names) {
    const name = raw.toUpperCase().replace(/^CAP_/, "");
    const bit = CAPABILITY_BITS[name];
    if (bit === undefined) throw new Error(`unknown capability "${raw}"`);
    mask |= 1n << BigInt(bit);
  }
  return mask;
}

export function capabilityNames(mask: bigint): string[] {
  return Object.entries(CAPABILITY_BITS)
    .filter(([, bit]) => (mask >> BigInt(bit)) & 1n)
    .map(([name]) => name);
}

export interface ProcessStatus {
  pid: number;
  cmdline: string;
  uid: number;
  gid: number;
  capEff: bigint;
  capPrm: bigint;
  capBnd: bigint;
  noNewPrivs: number;
}

/** Parses `/proc/<pid>/status` text. */
export function parseStatus(pid: number, cmdline: string, status: string): ProcessStatus {
  const field = (name: string): string => {
    const m = new RegExp(`^${name}:\\s*(.*)$`, "m").exec(status);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name} line`);
    return m[1]!.trim();
  };
  return {
    pid,
    cmdline,
    uid: Number(field("Uid").split(/\s+/)[1]), // effective uid
    gid: Number(field("Gid").split(/\s+/)[1]),
    capEff: BigInt(`0x${field("CapEff")}`),
    capPrm: BigInt(`0x${field("CapPrm")}`),
    capBnd: BigInt(`0x${field("CapBnd")}`),
    noNewPrivs: Number(field("NoNewPrivs")),
  };
}

const PROCESS_DUMP = [
  "for d in /proc/[0-9]*; do",
  '  p=${d#/proc/}; [ "$p" = "$$" ] && continue',
  '  c=$(tr "\\000" " " < "$d/cmdline" 2>/dev/null) || continue',
  '  case "$c" in *PROCESS_DUMP_MARKER*) continue;; esac',
  '  printf "@@pid %s\\n@@cmd %s\\n" "$p" "$c"; cat "$d/status" 2>/dev/null',
  "done",
].join("\n");

/** Every process of the container except the inspecting shell (run with the container's own user). */
export async function containerProcesses(engine: EngineRun, id: string): Promise<ProcessStatus[]> {
  const res = await engine.exec(id, ["sh", "-c", `${PROCESS_DUMP}\n: PROCESS_DUMP_MARKER`]);
  if (res.code !== 0) throw new Error(`reading /proc in the container failed (${res.code}): ${res.stderr}`);
  const out: ProcessStatus[] = [];
  for (const block of res.stdout.split("@@pid ").slice(1)) {
    const pid = Number(block.slice(0, block.indexOf("\n")));
    const cmd = /^@@cmd (.*)$/m.exec(block)?.[1]?.trim() ?? "";
    const status = block.slice(block.indexOf("\n", block.indexOf("@@cmd")) + 1);
    if (!status.includes("CapEff")) continue; // exited while being read
    out.push(parseStatus(pid, cmd, status));
  }
  // The inspecting shell's own children (tr, cat) are short-lived; drop any that carry the dump's tools.
  return out.filter((p) => !/^(tr|cat) /.test(p.cmdline) && p.cmdline !== "");
}

export interface MountEntry {
  target: string;
  fstype: string;
  options: string[];
}

export function parseMounts(text: string): MountEntry[] {
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [, target, fstype, options] = line.split(" ");
      return { target: target!.replace(/\\040/g, " "), fstype: fstype!, options: options!.split(",") };
    });
}

export async function containerMounts(engine: EngineRun, id: string): Promise<MountEntry[]> {
  const res = await engine.exec(id, ["cat", "/proc/1/mounts"]);
  if (res.code !== 0) throw new Error(`reading /proc/1/mounts failed: ${res.stderr}`);
  return parseMounts(res.stdout);
}

/** Tries to create a file at `path`; returns the error text, or undefined when the write succeeded. */
export async function writeError(engine: EngineRun, id: string, path: string): Promise<string | undefined> {
  const res = await engine.exec(id, ["touch", path]);
  return res.code === 0 ? undefined : `${res.stderr.trim()} (exit ${res.code})`;
}

/**
 * Probes a TCP port from inside a container with bash's /dev/tcp (no client tools needed): true when a
 * connection opens within the time limit.
 */
export async function tcpReachable(engine: EngineRun, from: string, host: string, port: number, seconds = 3): Promise<boolean> {
  const res = await engine.exec(from, ["timeout", String(seconds), "bash", "-c", `exec 3<>/dev/tcp/${host}/${port}`], {
    timeoutMs: (seconds + 5) * 1000,
  });
  return res.code === 0;
}
