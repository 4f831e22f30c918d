/**
 * The checks a container's arguments must pass before anything is declared: the baseline's hard rules,
 * and every relaxation paired with its named exception (./baseline.ts). Pure functions that throw plain
 * Errors; HardenedContainer rethrows them as ResourceErrors naming itself.
 */
import * as pulumi from "@pulumi/pulumi";
import * as path from "node:path";
import { exceptionOf, type ServiceExceptionId } from "./baseline";
import { SECRETS_DIR, type HardenedContainerArgs, type Healthcheck } from "./container-args";
import { assertPinnedImage } from "./image-ref";
import { listenedPorts } from "./port-bindings";

const PRIVILEGED_PORT_LIMIT = 1024;
const SECRET_NAME = /^[a-z0-9][a-z0-9._-]*$/;

interface CheckedArguments {
  /** The exceptions the service names, each one matched by the relaxation it licenses. */
  readonly exceptions: ReadonlySet<ServiceExceptionId>;
  /** The image, once known to be pinned (an Output is checked when it resolves). */
  readonly image: pulumi.Input<string>;
  /** Directories that receive uploads: each is a volume the seed fills and the service mounts. */
  readonly uploadDirs: ReadonlySet<string>;
}

/** Throws the first refusal of `args`; otherwise returns what the checks established. */
export function checkArguments(args: HardenedContainerArgs): CheckedArguments {
  const service = args.service;
  const exceptions = new Set<ServiceExceptionId>((args.exceptions ?? []).map((id) => serviceException(id, service)));
  assertUser(args.uid, args.gid, service);
  const image = checkedImage(args.image, service);
  assertHealthcheck(args.healthcheck, service);
  assertResources(args, service);
  assertRelaxationsNamed(args, exceptions);
  assertNetworking(args);
  return { exceptions, image, uploadDirs: uploadDirectories(args, service) };
}

function assertUser(uid: number, gid: number, service: string): void {
  for (const [what, id] of [["uid", uid], ["gid", gid]] as const) {
    if (!Number.isInteger(id) || id < 0 || id > 2 ** 31 - 1) {
      throw new Error(`${service}: ${what} must be a numeric id, got ${String(id)}`);
    }
  }
  if (uid === 0) throw new Error(`${service}: uid 0 (root) is refused; run as a numeric non-root user (CIS 4.1)`);
}

function checkedImage(image: pulumi.Input<string>, service: string): pulumi.Input<string> {
  if (typeof image === "string") return assertPinnedImage(image, service);
  return pulumi.output(image).apply((ref) => assertPinnedImage(ref, service));
}

function assertHealthcheck(hc: Healthcheck | undefined, service: string): void {
  const kind = hc?.test[0];
  if (!hc || (kind !== "CMD" && kind !== "CMD-SHELL") || hc.test.length < 2) {
    throw new Error(`${service}: a healthcheck is required: ["CMD", ...] or ["CMD-SHELL", "..."] (CIS 5.27)`);
  }
}

function assertResources(args: HardenedContainerArgs, service: string): void {
  if (!Number.isInteger(args.memoryMiB) || args.memoryMiB < 6) {
    throw new Error(`${service}: memoryMiB must be a whole number of MiB >= 6, got ${String(args.memoryMiB)}`);
  }
  if (!(args.cpus > 0)) throw new Error(`${service}: cpus must be > 0, got ${String(args.cpus)}`);
  for (const [what, v] of [["nofile", args.nofile], ["nproc", args.nproc]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v <= 0)) {
      throw new Error(`${service}: ${what} must be a positive integer, got ${String(v)}`);
    }
  }
}

function serviceException(id: string, service: string): ServiceExceptionId {
  const ex = exceptionOf(id);
  if (ex.id === "upload-seed") {
    throw new Error(`${service} names the exception "upload-seed", which HardenedContainer applies only to its own never-started seed container; remove it`);
  }
  return ex.id;
}

/**
 * Each relaxation and its exception must come together: a relaxation without its exception is an error,
 * and so is an exception nothing uses (it would read as a licence for later changes).
 */
function assertRelaxationsNamed(args: HardenedContainerArgs, exceptions: ReadonlySet<ServiceExceptionId>): void {
  const service = args.service;
  const listensLow = listenedPorts(args.ports ?? [], args.hostNetworkPorts ?? []).filter((p) => p < PRIVILEGED_PORT_LIMIT);
  const execScratch = Object.entries(args.tmpfs ?? {}).filter(([, m]) => m.exec === true).map(([p]) => p);
  requirePaired(exceptions, "host-network", args.hostNetwork ?? false, service, "uses host networking");
  requirePaired(exceptions, "net-bind-service", listensLow.length > 0, service, `binds port(s) ${listensLow.join(", ") || "< 1024"}`);
  requirePaired(exceptions, "exec-tmp", execScratch.length > 0, service, `mounts ${execScratch.join(", ") || "a tmpfs"} with exec`);
  requirePaired(exceptions, "memlock", args.memlockUnlimited === true, service, "raises the memlock ulimit");
}

function requirePaired(exceptions: ReadonlySet<ServiceExceptionId>, id: ServiceExceptionId, relaxed: boolean, service: string, doing: string): void {
  const ex = exceptionOf(id);
  if (relaxed && !exceptions.has(id)) {
    throw new Error(`${service} ${doing}, which relaxes "${ex.relaxes}" and needs the named exception "${id}" (${ex.what})`);
  }
  if (!relaxed && exceptions.has(id)) {
    throw new Error(`${service} names the exception "${id}" but does not use it; remove it`);
  }
}

function assertNetworking(args: HardenedContainerArgs): void {
  const service = args.service;
  const hostNetwork = args.hostNetwork ?? false;
  const networks = args.networks ?? [];
  if (hostNetwork && (args.ports ?? []).length > 0) {
    throw new Error(`${service}: ports cannot be published with host networking (list them in hostNetworkPorts)`);
  }
  if (!hostNetwork && (args.hostNetworkPorts ?? []).length > 0) {
    throw new Error(`${service}: hostNetworkPorts is only meaningful with host networking`);
  }
  if (hostNetwork && networks.length > 0) {
    throw new Error(`${service}: a host-networked container cannot join user-defined networks`);
  }
  if (!hostNetwork && networks.length === 0) {
    throw new Error(`${service}: attach at least one user-defined network (the default bridge is not used, CIS 5.30)`);
  }
}

function uploadDirectories(args: HardenedContainerArgs, service: string): Set<string> {
  const dirs = new Set<string>();
  for (const f of args.configFiles ?? []) {
    if (!path.posix.isAbsolute(f.path) || path.posix.normalize(f.path) !== f.path) {
      throw new Error(`${service}: config file path "${f.path}" must be absolute and normalised`);
    }
    if (f.path.startsWith(`${SECRETS_DIR}/`)) {
      throw new Error(`${service}: "${f.path}" is under ${SECRETS_DIR}; pass secrets as secretFiles`);
    }
    dirs.add(path.posix.dirname(f.path));
  }
  const secretNames = new Set<string>();
  for (const s of args.secretFiles ?? []) {
    if (!SECRET_NAME.test(s.name)) {
      throw new Error(`${service}: secret file name "${s.name}" must match ${SECRET_NAME.source}`);
    }
    if (secretNames.has(s.name)) throw new Error(`${service}: secret file "${s.name}" is declared twice`);
    secretNames.add(s.name);
    if (s.path !== undefined) {
      const dir = path.posix.dirname(s.path);
      // As the seed covers directories: the volume's own, or one below it that the image content seeds.
      const covered = (args.volumes ?? []).some((v) => v.target === dir || (v.copyImageContent === true && dir.startsWith(`${v.target}/`)));
      if (!path.posix.isAbsolute(s.path) || !covered) {
        throw new Error(`${service}: secret file path "${s.path}" must be absolute and inside a declared volume`);
      }
      dirs.add(dir);
    } else {
      dirs.add(SECRETS_DIR);
    }
  }
  for (const dir of dirs) {
    if (dir === "/" || Object.keys(args.tmpfs ?? {}).includes(dir)) {
      throw new Error(`${service}: files cannot be uploaded to "${dir}" (root or a tmpfs, which Docker cannot fill before start)`);
    }
  }
  return dirs;
}
