import type { ResourceValidationArgs } from "@pulumi/policy";
import { isSecretLookingName, pinVerdict, PUBLIC_SECRET_LOOKING_NAMES, secretValueKind, versionFloorProblem } from "@rampart/catalogue";
import { isAllInterfaces } from "@rampart/catalogue";
import { portLabel, restrictedPortsAt } from "./ports";
import { configOf, type Profile, type ResourceRule } from "./rule";
import { T } from "./types";
import { asArray, asNumber, asRecords, asString, asStrings, displayName, isMasked, isNonEmptyString, isRecord } from "./values";

import { cisDocker } from "./anchors";

const GUIDE = "docs/container-baseline.md";

function containerName(args: ResourceValidationArgs): string {
  return displayName(args.props, args.name);
}

/**
 * Whether a container name matches an allowlist key: exactly, or as a dash-separated segment at either
 * end ("rampart-coturn", "coturn-1"), so stacks may prefix their container names.
 */
export function nameMatches(name: string, key: string): boolean {
  return name === key || name.endsWith(`-${key}`) || name.startsWith(`${key}-`);
}

/** Inputs as a plain, mutable copy (the policy server hands rules read-only proxies). */
function plainCopy(props: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(props)) as Record<string, unknown>;
}

const HOST_NAMESPACE_MODES = ["pidMode", "ipcMode", "usernsMode", "cgroupnsMode", "utsMode"] as const;

/**
 * A container that is created but never runs, and could not reach anything if it did: `start: false`
 * AND `mustRun: false` (the provider neither starts it nor restarts it on refresh), `networkMode: "none"`
 * with no user-defined networks, no published ports (nor publishAllPorts), and no host namespace. Such a
 * container exists only to carry files (`uploads`) into named volumes that a running service mounts — the
 * engine accepts the provider's uploads only into a container with a writable root. Rules about how a
 * process behaves while running (read-only root, healthcheck, restart policy) do not apply to it; every
 * rule about what the container is allowed to be (user, capabilities, no-new-privileges, privileged,
 * mounts, image pinning, environment) still does, so a seed can never become a back door.
 */
export function neverStartedSeed(props: Record<string, unknown>): boolean {
  return (
    props.start === false &&
    props.mustRun === false &&
    props.networkMode === "none" &&
    asArray(props.networksAdvanced).length === 0 &&
    asArray(props.ports).length === 0 &&
    props.publishAllPorts !== true &&
    HOST_NAMESPACE_MODES.every((k) => props[k] !== "host")
  );
}

const SEED_NOT_APPLICABLE =
  "the container is a never-started seed (start: false, mustRun: false, networkMode none, no ports, no host namespace): no process runs in it";

/** Marks a runtime-only rule not applicable to a never-started seed (see `neverStartedSeed`). */
function skipNeverStartedSeed(args: ResourceValidationArgs): void {
  if (neverStartedSeed(args.props)) args.notApplicable(SEED_NOT_APPLICABLE);
}

const containerRule = (r: Omit<ResourceRule, "kind" | "resourceTypes" | "severity" | "enforcementLevel"> & Partial<Pick<ResourceRule, "severity" | "resourceTypes">>): ResourceRule => ({
  kind: "resource",
  resourceTypes: [T.container],
  severity: "high",
  enforcementLevel: "mandatory",
  ...r,
});

export const numericNonRootUser = containerRule({
  name: "docker-numeric-non-root-user",
  description: "Containers run as a numeric, non-root user (uid or uid:gid, uid ≠ 0), so no image default or /etc/passwd lookup can turn them into root.",
  remediationSteps: "Set `user: \"<uid>:<gid>\"` with a non-zero uid owning the files the service needs (e.g. \"65534:65534\").",
  anchors: { cis: cisDocker("4.1"), guide: GUIDE },
  validateResource: (args, report) => {
    const user = args.props.user;
    if (isMasked(user)) return;
    const m = typeof user === "string" ? /^(\d+)(?::(\d+))?$/.exec(user.trim()) : null;
    if (!m) {
      report(`container "${containerName(args)}" user is ${JSON.stringify(user ?? "unset (image default, often root)")}; it must be a numeric uid[:gid]`);
      return;
    }
    if (Number(m[1]) === 0) report(`container "${containerName(args)}" runs as uid 0 (root)`);
  },
});

export const readOnlyRoot = containerRule({
  name: "docker-read-only-root",
  description:
    "Containers have a read-only root filesystem; writable scratch comes from tmpfs or volumes. Not applicable to a never-started seed " +
    "(start: false, mustRun: false, networkMode none, no ports, no host namespace): the engine accepts the provider's uploads only into a " +
    "writable root, and no process ever runs there to write it.",
  severity: "medium",
  remediationSteps: "Set `readOnly: true` and give the service tmpfs mounts (noexec,nosuid) for the paths it writes.",
  anchors: { cis: cisDocker("5.13"), guide: GUIDE },
  validateResource: (args, report) => {
    skipNeverStartedSeed(args);
    if (args.props.readOnly !== true) report(`container "${containerName(args)}" root filesystem is writable (readOnly is not true)`);
  },
});

function caps(v: unknown): string[] {
  return asStrings(v).map((c) => c.toUpperCase().replace(/^CAP_/, ""));
}

export const dropAllCapabilities = containerRule({
  name: "docker-capabilities-drop-all",
  description: "Containers drop ALL Linux capabilities (and add back only allowlisted ones, see docker-capabilities-add-allowlisted).",
  remediationSteps: "Set `capabilities: { drops: [\"ALL\"] }`. With enforcement level \"remediate\" the pack sets it for you.",
  anchors: { cis: cisDocker("5.4"), kics: "Container Capabilities Unrestricted (ce76b7d0)", guide: GUIDE },
  validateResource: (args, report) => {
    const c = isRecord(args.props.capabilities) ? args.props.capabilities : {};
    if (!caps(c.drops).includes("ALL")) report(`container "${containerName(args)}" does not drop ALL capabilities (capabilities.drops: ${JSON.stringify(asStrings(c.drops))})`);
  },
  remediateResource: (args) => {
    const c = isRecord(args.props.capabilities) ? args.props.capabilities : {};
    if (caps(c.drops).includes("ALL")) return undefined;
    const fixed = plainCopy(args.props);
    fixed.capabilities = { ...(isRecord(fixed.capabilities) ? fixed.capabilities : {}), drops: ["ALL"] };
    return fixed;
  },
});

interface CapabilityConfig {
  allowedAdds: Record<string, string[]>;
}
const DEFAULT_CAPS: CapabilityConfig = { allowedAdds: { coturn: ["NET_BIND_SERVICE"], edge: ["NET_BIND_SERVICE"] } };

export const addOnlyAllowlistedCapabilities = containerRule({
  name: "docker-capabilities-add-allowlisted",
  description: "A container adds a capability only when the pack's per-container allowlist names it (default: coturn and edge may add NET_BIND_SERVICE).",
  remediationSteps: "Remove the capability from `capabilities.adds`, or add a documented exception to this policy's `allowedAdds` config.",
  anchors: { cis: cisDocker("5.4"), kics: "Container Capabilities Unrestricted (ce76b7d0)", guide: GUIDE },
  configSchema: {
    properties: {
      allowedAdds: {
        type: "object",
        additionalProperties: { type: "array", items: { type: "string" } },
        default: DEFAULT_CAPS.allowedAdds,
        description: "Container name → capabilities it may add.",
      },
    },
  },
  validateResource: (args, report) => {
    const { allowedAdds } = configOf(args, DEFAULT_CAPS);
    const name = containerName(args);
    const c = isRecord(args.props.capabilities) ? args.props.capabilities : {};
    const allowed = new Set(Object.entries(allowedAdds).filter(([k]) => nameMatches(name, k)).flatMap(([, v]) => caps(v)));
    const extra = caps(c.adds).filter((cap) => !allowed.has(cap));
    if (extra.length > 0) report(`container "${name}" adds capabilities not in its allowlist: ${extra.join(", ")} (allowed for it: ${[...allowed].join(", ") || "none"})`);
  },
});

export const notPrivileged = containerRule({
  name: "docker-not-privileged",
  description: "Containers never run privileged.",
  severity: "critical",
  remediationSteps: "Remove `privileged: true`; add the single capability the service needs to the allowlist instead.",
  anchors: { cis: cisDocker("5.5"), kics: "Privileged Containers Enabled (ae5b6871)", guide: GUIDE },
  validateResource: (args, report) => {
    if (args.props.privileged === true) report(`container "${containerName(args)}" is privileged`);
  },
});

function hasNoNewPrivileges(opts: string[]): boolean {
  return opts.some((o) => /^no-new-privileges(?:[:=]true)?$/i.test(o.trim()));
}

export const noNewPrivileges = containerRule({
  name: "docker-no-new-privileges",
  description: "Containers set no-new-privileges, so setuid binaries cannot raise privileges.",
  remediationSteps: "Add \"no-new-privileges:true\" to `securityOpts`. With enforcement level \"remediate\" the pack adds it for you.",
  anchors: { cis: cisDocker("5.26"), kics: "No New Privileges Not Set (27fcc7d6)", guide: GUIDE },
  validateResource: (args, report) => {
    if (!hasNoNewPrivileges(asStrings(args.props.securityOpts))) report(`container "${containerName(args)}" lacks securityOpts "no-new-privileges:true"`);
  },
  remediateResource: (args) => {
    const opts = asStrings(args.props.securityOpts);
    if (hasNoNewPrivileges(opts)) return undefined;
    const fixed = plainCopy(args.props);
    fixed.securityOpts = [...opts.filter((o) => !/^no-new-privileges/i.test(o.trim())), "no-new-privileges:true"];
    return fixed;
  },
});

export const noUnconfinedProfiles = containerRule({
  name: "docker-no-unconfined-security-profiles",
  description: "Seccomp and AppArmor profiles are never `unconfined`, and SELinux labelling is not disabled.",
  remediationSteps: "Remove `seccomp=unconfined`, `apparmor=unconfined` and `label=disable` from `securityOpts` (Docker's default profiles apply).",
  anchors: { cis: cisDocker("5.2", "5.3", "5.22"), kics: "Default Seccomp Profile Disabled (404fde2c)", guide: GUIDE },
  validateResource: (args, report) => {
    const bad = asStrings(args.props.securityOpts).filter((o) => /^(seccomp|apparmor)[:=]unconfined$|^label[:=]disable$/i.test(o.trim()));
    if (bad.length > 0) report(`container "${containerName(args)}" disables confinement: ${bad.join(", ")}`);
  },
});

export const memoryLimited = containerRule({
  name: "docker-memory-limit-no-swap",
  description: "Containers have a memory limit, and memorySwap equal to it (no swap beyond the limit).",
  severity: "medium",
  remediationSteps: "Set `memory` (MB) and `memorySwap` to the same value.",
  anchors: { cis: cisDocker("5.11"), kics: "Memory Not Limited (bb9ac4f7)", guide: GUIDE },
  validateResource: (args, report) => {
    const mem = asNumber(args.props.memory);
    const swap = asNumber(args.props.memorySwap);
    if (mem === undefined || mem <= 0) report(`container "${containerName(args)}" has no memory limit`);
    else if (swap !== mem) report(`container "${containerName(args)}" memorySwap is ${swap ?? "unset (twice the limit)"}, must equal memory ${mem}`);
  },
});

export const nprocLimited = containerRule({
  name: "docker-nproc-ulimit",
  description: "Containers have a finite nproc ulimit. The Docker provider has no pidsLimit, so nproc stands in for CIS 5.29 (fork-bomb protection).",
  severity: "medium",
  remediationSteps: "Add `ulimits: [{ name: \"nproc\", soft: N, hard: N }]` with a finite N sized for the service.",
  anchors: { cis: cisDocker("5.29"), kics: "Pids Limit Not Set (221e0658)", guide: "docs/container-baseline.md#nproc-instead-of-a-pids-limit" },
  validateResource: (args, report) => {
    const nproc = asRecords(args.props.ulimits).find((u) => u.name === "nproc");
    const soft = asNumber(nproc?.soft);
    const hard = asNumber(nproc?.hard);
    if (!nproc) report(`container "${containerName(args)}" has no nproc ulimit`);
    else if (soft === undefined || hard === undefined || soft <= 0 || hard <= 0) report(`container "${containerName(args)}" nproc ulimit is not finite (soft ${String(nproc.soft)}, hard ${String(nproc.hard)})`);
  },
});

export const noHostNamespaces = containerRule({
  name: "docker-no-host-namespaces",
  description: "Containers share no host namespace: PID, IPC, user (userns) or cgroup. (The Docker provider has no UTS mode input, so a container cannot join the host's UTS namespace through it.)",
  severity: "critical",
  remediationSteps: "Remove pidMode/ipcMode/usernsMode/cgroupnsMode \"host\".",
  anchors: { cis: cisDocker("5.16", "5.17", "5.31"), kics: "Host Namespace is Shared (4f31dd9f); Shared Host IPC Namespace (baa3890f); Shared Host User Namespace (8af7162d)", guide: GUIDE },
  validateResource: (args, report) => {
    for (const key of HOST_NAMESPACE_MODES) {
      if (args.props[key] === "host") report(`container "${containerName(args)}" ${key} is "host"`);
    }
  },
});

interface HostNetworkConfig {
  allowedContainers: string[];
}
const DEFAULT_HOST_NET: HostNetworkConfig = { allowedContainers: ["livekit", "coturn"] };

export const hostNetworkAllowlisted = containerRule({
  name: "docker-host-network-allowlisted",
  description: "Only allowlisted containers use the host network (default allowlist: Rampart's livekit and coturn, whose media port ranges need it).",
  remediationSteps: "Use a user-defined bridge network and publish only the ports the service serves, or add a documented exception to this policy's `allowedContainers` config.",
  anchors: { cis: cisDocker("5.10"), guide: GUIDE },
  configSchema: {
    properties: {
      allowedContainers: { type: "array", items: { type: "string" }, default: DEFAULT_HOST_NET.allowedContainers, description: "Container names that may use networkMode host." },
    },
  },
  validateResource: (args, report) => {
    if (args.props.networkMode !== "host") return;
    const { allowedContainers } = configOf(args, DEFAULT_HOST_NET);
    const name = containerName(args);
    if (!allowedContainers.some((k) => nameMatches(name, k))) report(`container "${name}" uses the host network but is not in this policy's allowedContainers`);
  },
});

/** Host paths a container binds, from both `mounts` (type bind) and legacy `volumes` (hostPath). */
function hostPaths(props: Record<string, unknown>): string[] {
  const fromMounts = asRecords(props.mounts).filter((m) => m.type === "bind").map((m) => asString(m.source));
  const fromVolumes = asRecords(props.volumes).map((v) => asString(v.hostPath));
  return [...fromMounts, ...fromVolumes].filter(isNonEmptyString);
}

function normalisePath(p: string): string {
  const n = p.replace(/\/+/g, "/").replace(/\/$/, "");
  return n === "" ? "/" : n;
}

const SOCKET = /(?:^|\/)(docker|containerd|podman|crio)\.sock$|^\/var\/run\/docker$|^\/run\/docker$/;

export const noDockerSocket = containerRule({
  name: "docker-no-docker-socket-mount",
  description: "No container mounts the Docker (or containerd/podman) socket: it is root on the host.",
  severity: "critical",
  remediationSteps: "Remove the socket mount; use a narrowly scoped API proxy if a tool truly needs the engine.",
  anchors: { cis: cisDocker("5.32"), kics: "Docker Socket Mounted In Container (d6355c88)", guide: GUIDE },
  validateResource: (args, report) => {
    for (const p of hostPaths(args.props)) {
      if (SOCKET.test(normalisePath(p))) report(`container "${containerName(args)}" mounts the container engine socket ${p}`);
    }
  },
});

interface MountConfig {
  sensitiveHostPaths: string[];
}
const DEFAULT_MOUNTS: MountConfig = {
  sensitiveHostPaths: ["/", "/boot", "/dev", "/etc", "/lib", "/lib64", "/proc", "/sys", "/usr", "/bin", "/sbin", "/root", "/home", "/run", "/var/run", "/var/lib/docker", "/var/lib/containerd"],
};

export const noSensitiveMounts = containerRule({
  name: "docker-no-sensitive-host-mounts",
  description: "No container bind-mounts a sensitive host path (/, /etc, /proc, /sys, /dev, /boot, /usr, /root, /run, Docker's data, ...) or anything beneath one.",
  remediationSteps: "Hand files to the container as `uploads` (secrets under /run/secrets, mode 0400) or use a named volume; adjust this policy's `sensitiveHostPaths` only with a documented reason.",
  anchors: { cis: cisDocker("5.6"), kics: "Volume Has Sensitive Host Directory (1c1325ff)", guide: GUIDE },
  configSchema: {
    properties: {
      sensitiveHostPaths: { type: "array", items: { type: "string" }, default: DEFAULT_MOUNTS.sensitiveHostPaths, description: "Host paths (and everything below them; \"/\" only itself) no container may bind." },
    },
  },
  validateResource: (args, report) => {
    const { sensitiveHostPaths } = configOf(args, DEFAULT_MOUNTS);
    const sensitive = sensitiveHostPaths.map(normalisePath);
    for (const raw of hostPaths(args.props)) {
      const p = normalisePath(raw);
      const hit = sensitive.find((s) => p === s || (s !== "/" && p.startsWith(`${s}/`)));
      if (hit) report(`container "${containerName(args)}" bind-mounts sensitive host path ${raw} (under ${hit})`);
    }
  },
});

export const portsBoundExplicitly = containerRule({
  name: "docker-ports-explicit-host-ip",
  description: "Every published port names the host address it binds (`ip`), and publishAllPorts is off: nothing lands on 0.0.0.0 by default.",
  severity: "medium",
  remediationSteps: "Set `ip` on every `ports` entry (127.0.0.1 or the host's private address for admin/internal ports, 0.0.0.0 only for public ones).",
  anchors: { cis: cisDocker("5.14"), kics: "Container Traffic Not Bound To Host Interface (451d79dc)", guide: "docs/exposure-classes.md" },
  validateResource: (args, report) => {
    if (args.props.publishAllPorts === true) report(`container "${containerName(args)}" sets publishAllPorts`);
    asRecords(args.props.ports).forEach((p, i) => {
      if (!isNonEmptyString(p.ip)) report(`container "${containerName(args)}" ports[${i}] (${String(p.internal)}) has no explicit host ip (Docker binds 0.0.0.0)`);
    });
  },
});

/**
 * Restricted ports a published port entry touches. Under `baseline` only the host (external) port counts:
 * what a third-party image listens on inside its own network namespace means nothing outside it.
 */
function restrictedHits(p: Record<string, unknown>, profile: Profile) {
  const proto = p.protocol === "udp" ? "udp" : "tcp";
  const external = asNumber(p.external) ?? asNumber(p.internal);
  const nums = profile === "baseline" ? [external] : [asNumber(p.internal), asNumber(p.external)];
  return [...new Set(nums.filter((n): n is number => n !== undefined).flatMap((n) => restrictedPortsAt(n, proto, profile)))];
}

function exposedRestricted(p: Record<string, unknown>, profile: Profile): boolean {
  return !isMasked(p.ip) && isAllInterfaces(asString(p.ip)) && restrictedHits(p, profile).length > 0;
}

export const restrictedPortsLocal = containerRule({
  name: "docker-restricted-ports-not-on-all-interfaces",
  description: "Admin and internal ports (well-known admin/data ports; under the rampart profile also the port catalogue's admin and vpc classes) are never published on 0.0.0.0 or :: — Docker's NAT rules bypass the host firewall.",
  severity: "critical",
  remediationSteps: "Bind the port to 127.0.0.1 or the host's private address (`ip`). With enforcement level \"remediate\" the pack rebinds it to 127.0.0.1.",
  anchors: { cis: cisDocker("5.14"), kics: "Container Traffic Not Bound To Host Interface (451d79dc)", guide: "docs/exposure-classes.md" },
  validateResource: (args, report, ctx) => {
    asRecords(args.props.ports).forEach((p, i) => {
      if (!exposedRestricted(p, ctx.profile)) return;
      report(`container "${containerName(args)}" ports[${i}] publishes ${restrictedHits(p, ctx.profile).map(portLabel).join("; ")} on all interfaces (${asString(p.ip) || "default 0.0.0.0"})`);
    });
  },
  // Remediation runs before the profile is known to the served pack, so it uses the wider (rampart) list.
  remediateResource: (args) => {
    if (!asRecords(args.props.ports).some((p) => exposedRestricted(p, "rampart"))) return undefined;
    const fixed = plainCopy(args.props);
    fixed.ports = asArray(fixed.ports).map((p) => (isRecord(p) && exposedRestricted(p, "rampart") ? { ...p, ip: "127.0.0.1" } : p));
    return fixed;
  },
});

export const healthchecked = containerRule({
  name: "docker-healthcheck",
  description: "Containers define a healthcheck. Not applicable to a never-started seed (start: false, mustRun: false, networkMode none, no ports, no host namespace): there is no process to check.",
  severity: "low",
  remediationSteps: "Set `healthcheck: { tests: [\"CMD\", ...], interval, timeout, retries }`.",
  anchors: { cis: cisDocker("5.27"), kics: "Healthcheck Not Set (698ed579)", checkov: "CKV_DOCKER_2", guide: GUIDE },
  validateResource: (args, report) => {
    skipNeverStartedSeed(args);
    const h = isRecord(args.props.healthcheck) ? args.props.healthcheck : undefined;
    const tests = asStrings(h?.tests);
    if (tests.length === 0 || tests[0]?.toUpperCase() === "NONE") report(`container "${containerName(args)}" has no healthcheck`);
  },
});

const RESTART_POLICIES = ["always", "unless-stopped", "on-failure"];

export const restartPolicy = containerRule({
  name: "docker-restart-policy",
  description:
    "Containers have a restart policy (always, unless-stopped or on-failure) so a crash does not leave the service down. Not applicable to a " +
    "never-started seed (start: false, mustRun: false, networkMode none, no ports, no host namespace): it never runs, so there is nothing to restart.",
  severity: "low",
  remediationSteps: "Set `restart: \"unless-stopped\"` (or on-failure with maxRetryCount).",
  anchors: { cis: cisDocker("5.15"), guide: GUIDE },
  validateResource: (args, report) => {
    skipNeverStartedSeed(args);
    const r = asString(args.props.restart);
    if (!r || !RESTART_POLICIES.includes(r)) report(`container "${containerName(args)}" restart policy is ${JSON.stringify(r ?? "unset (no)")}; use one of ${RESTART_POLICIES.join(", ")}`);
  },
});

export const boundedLogs = containerRule({
  name: "docker-bounded-logs",
  description: "Container logs are bounded: the json-file/local drivers set max-size (and max-file), or logs ship to a non-local driver.",
  severity: "medium",
  remediationSteps: "Set `logDriver: \"json-file\"` with `logOpts: { \"max-size\": \"10m\", \"max-file\": \"3\" }`, or a shipping driver (journald, awslogs, ...).",
  anchors: { guide: GUIDE },
  validateResource: (args, report) => {
    const driver = asString(args.props.logDriver) ?? "json-file";
    if (driver !== "json-file" && driver !== "local") return;
    const opts = isRecord(args.props.logOpts) ? args.props.logOpts : {};
    if (!isNonEmptyString(opts["max-size"])) report(`container "${containerName(args)}" logs with ${driver} without logOpts max-size: unless the daemon sets a default, logs grow until the disk is full`);
  },
});

export const imagePinned: ResourceRule = {
  kind: "resource",
  name: "docker-image-pinned",
  description:
    "Images are pinned: a digest/image id (how program-built images are referenced), or an exact version tag (major.minor.patch); never latest, no tag, or a floating tag.",
  severity: "medium",
  enforcementLevel: "mandatory",
  remediationSteps: "Reference `name:1.2.3` or better `name@sha256:<digest>`; for images the program builds, use docker.Image `repoDigest` or RemoteImage `imageId`.",
  anchors: { checkov: "CKV_DOCKER_7", guide: "docs/container-baseline.md#pinned-images" },
  resourceTypes: [T.container, "docker:index/remoteImage:RemoteImage"],
  validateResource: (args, report) => {
    const ref = args.type === T.container ? args.props.image : args.props.name;
    if (isMasked(ref)) return;
    if (typeof ref !== "string") {
      report(`${imageOwner(args)} has no image reference`);
      return;
    }
    const v = pinVerdict(ref);
    if (!v.pinned) report(`${imageOwner(args)}: ${v.reason}`);
  },
};

function imageOwner(args: ResourceValidationArgs): string {
  return args.type === T.container ? `container "${containerName(args)}"` : `image "${args.name}"`;
}

export const imageAboveVersionFloor: ResourceRule = {
  kind: "resource",
  name: "docker-image-above-version-floor",
  description: "Images of services with a known security fix run at least the release that carries it (coturn >= 4.13.0).",
  severity: "high",
  enforcementLevel: "mandatory",
  remediationSteps: "Pin a release at or above the floor named in the message (e.g. coturn/coturn:4.17.2-r0).",
  anchors: { guide: "docs/services.md#version-floor; https://github.com/coturn/coturn/blob/master/ChangeLog" },
  resourceTypes: [T.container, "docker:index/remoteImage:RemoteImage"],
  validateResource: (args, report) => {
    const ref = args.type === T.container ? args.props.image : args.props.name;
    if (typeof ref !== "string" || isMasked(ref)) return;
    const problem = versionFloorProblem(ref);
    if (problem) report(`${imageOwner(args)}: ${problem}`);
  },
};

interface EnvConfig {
  allowedNames: string[];
}
// LiveKit's API key is the public half of the key pair: it is the `iss` of every access token.
const DEFAULT_ENV: EnvConfig = { allowedNames: [...PUBLIC_SECRET_LOOKING_NAMES] };

export const noSecretEnv: ResourceRule = {
  ...containerRule({
    name: "docker-no-secret-environment-values",
    description:
      "No secret-looking environment variable (…SECRET, …PASSWORD, …TOKEN, …API_KEY, …PRIVATE_KEY) carries a value, and no value is a credential whatever its name (a private key, an AWS access key id, a URL with a password): secrets are files under /run/secrets (env values leak via inspect, /proc and crash dumps). `*_FILE`/`*_PATH` variables pointing at such files are fine.",
    remediationSteps: "Upload the secret as a file (`uploads` to /run/secrets/<name>, mode 0400, secret content) and pass `<NAME>_FILE=/run/secrets/<name>`.",
    anchors: { guide: "docs/container-baseline.md#secrets-as-files" },
    configSchema: {
      properties: {
        allowedNames: { type: "array", items: { type: "string" }, default: DEFAULT_ENV.allowedNames, description: "Variable names that look secret but are not (public identifiers)." },
      },
    },
    validateResource: (args, report) => {
      const { allowedNames } = configOf(args, DEFAULT_ENV);
      for (const entry of asStrings(args.props.envs)) {
        if (isMasked(entry)) continue;
        const eq = entry.indexOf("=");
        if (eq <= 0) continue;
        const key = entry.slice(0, eq);
        const value = entry.slice(eq + 1);
        // The name alone is reported: the value is the secret.
        const kind = secretValueKind(value);
        if (kind) report(`container "${containerName(args)}" passes ${kind} in environment variable ${key}; mount it as a file instead`);
        else if (value !== "" && isSecretLookingName(key, allowedNames)) report(`container "${containerName(args)}" passes secret-looking environment variable ${key} with a value; mount it as a file instead`);
      }
    },
  }),
};

export const noHostDevices = containerRule({
  name: "docker-no-host-devices",
  description: "No container is handed a host device (`devices`): a device node gives direct access to hardware or kernel interfaces past the container's isolation.",
  severity: "high",
  remediationSteps: "Remove `devices`; if a workload truly needs one device, grant exactly it read-only (`permissions: \"r\"`) through a documented exception to this policy.",
  anchors: { cis: cisDocker("5.18"), guide: GUIDE },
  validateResource: (args, report) => {
    asRecords(args.props.devices).forEach((d, i) => {
      report(`container "${containerName(args)}" devices[${i}] passes host device ${asString(d.hostPath) ?? "?"} to ${asString(d.containerPath) ?? asString(d.hostPath) ?? "the container"}`);
    });
  },
});

const SHARED_PROPAGATION = ["shared", "rshared", "slave", "rslave"];

export const noSharedMountPropagation = containerRule({
  name: "docker-no-shared-mount-propagation",
  description: "No bind mount uses shared or slave propagation (shared, rshared, slave, rslave): mounts made on one side would appear on the other, so a container could mount over host paths or see the host's new mounts.",
  severity: "high",
  remediationSteps: "Leave `bindOptions.propagation` unset or set it to `private`/`rprivate`.",
  anchors: { cis: cisDocker("5.20"), guide: GUIDE },
  validateResource: (args, report) => {
    asRecords(args.props.mounts).forEach((m, i) => {
      const b = isRecord(m.bindOptions) ? m.bindOptions : {};
      const propagation = asString(b.propagation);
      if (propagation && SHARED_PROPAGATION.includes(propagation.toLowerCase())) report(`container "${containerName(args)}" mounts[${i}] (${asString(m.source) ?? "?"}) uses ${propagation} mount propagation`);
    });
  },
});

const JOINABLE_NAMESPACES = ["networkMode", "pidMode", "ipcMode"] as const;

export const noJoinedNamespaces = containerRule({
  name: "docker-no-joined-container-namespaces",
  description: "No container joins another container's network, PID or IPC namespace (`container:<id>`): it would see that container's processes, sockets and shared memory, and share its exposure.",
  severity: "high",
  remediationSteps: "Give each container its own namespaces and let them talk over a user-defined network.",
  anchors: { guide: GUIDE },
  validateResource: (args, report) => {
    for (const key of JOINABLE_NAMESPACES) {
      const v = asString(args.props[key]);
      if (v?.startsWith("container:")) report(`container "${containerName(args)}" ${key} is "${v}": it joins another container's namespace`);
    }
  },
});

export const cpuLimited = containerRule({
  name: "docker-cpu-limit",
  description: "Containers have a CPU limit (`cpus`, or cpuQuota with cpuPeriod), so one of them cannot starve the host.",
  severity: "medium",
  profiles: { baseline: "advisory" },
  remediationSteps: "Set `cpus` (e.g. \"1\") sized for the service.",
  anchors: { cis: cisDocker("5.12"), kics: "Cpus Not Limited (6b610c50)", guide: GUIDE },
  validateResource: (args, report) => {
    skipNeverStartedSeed(args);
    const cpus = asNumber(args.props.cpus);
    const quota = asNumber(args.props.cpuQuota);
    if (!(cpus !== undefined && cpus > 0) && !(quota !== undefined && quota > 0)) report(`container "${containerName(args)}" has no CPU limit (cpus or cpuQuota)`);
  },
});

interface PrivilegedPortConfig {
  allowedPorts: number[];
}
// A web origin serves HTTP and HTTPS on their standard ports; anything else below 1024 needs a reason.
const DEFAULT_PRIVILEGED: PrivilegedPortConfig = { allowedPorts: [80, 443] };

export const noPrivilegedHostPorts = containerRule({
  name: "docker-no-privileged-host-ports",
  description: "No container publishes a privileged host port (below 1024) other than the allowlisted ones (default 80 and 443).",
  severity: "medium",
  profiles: { baseline: "advisory" },
  remediationSteps: "Publish the service on a host port of 1024 or above, or add the port to this policy's `allowedPorts` with the reason.",
  anchors: { cis: cisDocker("5.8"), kics: "Privileged Ports Mapped In Container (bc2908f3)", guide: GUIDE },
  configSchema: {
    properties: {
      allowedPorts: { type: "array", items: { type: "number" }, default: DEFAULT_PRIVILEGED.allowedPorts, description: "Privileged host ports a container may publish." },
    },
  },
  validateResource: (args, report) => {
    const { allowedPorts } = configOf(args, DEFAULT_PRIVILEGED);
    asRecords(args.props.ports).forEach((p, i) => {
      const host = asNumber(p.external) ?? asNumber(p.internal);
      if (host !== undefined && host > 0 && host < 1024 && !allowedPorts.includes(host)) report(`container "${containerName(args)}" ports[${i}] publishes privileged host port ${host}`);
    });
  },
});

const DEFAULT_BRIDGE_MODES = [undefined, "", "bridge", "default"];

export const noDefaultBridge = containerRule({
  name: "docker-no-default-bridge",
  description: "Containers are attached to a user-defined network (networksAdvanced) or none, never only to Docker's default bridge, where every container can reach every other one.",
  severity: "medium",
  profiles: { baseline: "advisory" },
  remediationSteps: "Create a docker.Network per group of services that must talk and attach containers through `networksAdvanced`.",
  anchors: { cis: cisDocker("5.30"), kics: "Networks Not Set (ce14a68b)", guide: GUIDE },
  validateResource: (args, report) => {
    const mode = args.props.networkMode;
    if (isMasked(mode) || !DEFAULT_BRIDGE_MODES.includes(asString(mode))) return;
    if (asArray(args.props.networksAdvanced).length === 0) report(`container "${containerName(args)}" runs on Docker's default bridge network (networkMode ${JSON.stringify(asString(mode) ?? "unset")}, no networksAdvanced)`);
  },
});

export const containerRules: ResourceRule[] = [
  numericNonRootUser,
  readOnlyRoot,
  dropAllCapabilities,
  addOnlyAllowlistedCapabilities,
  notPrivileged,
  noNewPrivileges,
  noUnconfinedProfiles,
  memoryLimited,
  nprocLimited,
  noHostNamespaces,
  hostNetworkAllowlisted,
  noDockerSocket,
  noSensitiveMounts,
  portsBoundExplicitly,
  restrictedPortsLocal,
  healthchecked,
  restartPolicy,
  boundedLogs,
  imagePinned,
  imageAboveVersionFloor,
  noSecretEnv,
  noHostDevices,
  noSharedMountPropagation,
  noJoinedNamespaces,
  cpuLimited,
  noPrivilegedHostPorts,
  noDefaultBridge,
];
