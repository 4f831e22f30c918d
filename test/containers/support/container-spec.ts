/**
 * Translates the inputs a component declares for a `docker.Container` into the Docker Engine API calls
 * the Pulumi Docker provider makes: one create body, the uploads (PUT archive at "/" before start, as the
 * provider does), extra network attachments, and whether to start. Only the image is substituted; the
 * host side of published ports becomes ephemeral (other suites use the catalogue ports on this machine)
 * while the bound address and container port stay as declared.
 *
 * Every input field must be known here: a field this file does not translate is an error, so a new
 * hardening setting can never be dropped silently on its way to the engine.
 */

export interface UploadSpec {
  readonly file: string;
  readonly content: Buffer;
  /** Octal mode, e.g. 0o400. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
}

export interface NetworkJoin {
  readonly network: string;
  readonly aliases: readonly string[];
  /** Fixed addresses the component declares (a service that binds addresses, not names). */
  readonly ipv4Address?: string;
  readonly ipv6Address?: string;
}

/** The Engine API endpoint settings of one network join. */
export function endpointConfig(join: NetworkJoin): Record<string, unknown> {
  const ipam: Record<string, string> = {};
  if (join.ipv4Address) ipam.IPv4Address = join.ipv4Address;
  if (join.ipv6Address) ipam.IPv6Address = join.ipv6Address;
  return { Aliases: [...join.aliases], ...(Object.keys(ipam).length > 0 ? { IPAMConfig: ipam } : {}) };
}

export interface EngineSpec {
  /** POST /containers/create body. */
  readonly create: Record<string, unknown>;
  readonly uploads: readonly UploadSpec[];
  /** Networks joined after create (the API takes one at create time). */
  readonly laterNetworks: readonly NetworkJoin[];
  /** Named volumes the container mounts (created by the suite under their mapped names). */
  readonly volumes: readonly string[];
  readonly start: boolean;
  /** Where the run differs from the declaration because this machine cannot do otherwise. */
  readonly adjustments: readonly string[];
}

export interface TranslateOptions {
  /** The local image that replaces the declared one. */
  readonly image: string;
  /** Declared network name -> network the suite created (all --internal). */
  readonly networks: Readonly<Record<string, string>>;
  /** Declared volume name -> volume name for this run. */
  readonly volumeName: (declared: string) => string;
  /** Host networking is refused unless the caller proves it is safe (never in this suite's defaults). */
  readonly allowHostNetwork?: boolean;
  /**
   * Hard rlimits this machine can grant (ulimit name -> max). A sandbox without CAP_SYS_RESOURCE cannot
   * raise a limit above its own hard limit, and runc then refuses to start the container; a declared value
   * above the ceiling is lowered to it and the change reported in `adjustments`.
   */
  readonly rlimitCeiling?: Readonly<Record<string, number>>;
}

/** Fields that only steer the provider (state refresh, destroy, attach) and never reach the engine. */
const PROVIDER_ONLY = new Set([
  "attach",
  "containerReadRefreshTimeoutMilliseconds",
  "destroyGraceSeconds",
  "logs",
  "mustRun",
  "removeVolumes",
  "wait",
  "waitTimeout",
  "name",
]);

const HANDLED = new Set([
  "image", "user", "readOnly", "privileged", "capabilities", "securityOpts", "memory", "memorySwap",
  "memoryReservation", "cpus", "cpuShares", "cpuPeriod", "cpuQuota", "cpuSet", "ulimits", "tmpfs", "mounts",
  "uploads", "envs", "command", "entrypoints", "workingDir", "networkMode", "networksAdvanced", "ports",
  "healthcheck", "init", "restart", "maxRetryCount", "logDriver", "logOpts", "labels", "hostname",
  "domainname", "pidMode", "ipcMode", "usernsMode", "cgroupnsMode", "shmSize", "sysctls", "stopSignal",
  "stopTimeout", "tty", "stdinOpen", "dns", "dnsOpts", "dnsSearches", "hosts", "groupAdds", "publishAllPorts",
  "runtime", "rm", "start", "storageOpts", "devices", "volumes", "platform", "gpus", "deviceRequests",
]);

const NS_PER: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration ("30s", "1m30s", "500ms") -> nanoseconds, as the provider parses it. */
export function durationNs(text: string, field: string): number {
  if (text === "0" || text === "0s") return 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let consumed = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * NS_PER[m[2]!]!;
    consumed = re.lastIndex;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`${field}: "${text}" is not a Go duration`);
  return Math.round(total);
}

function fail(service: string, message: string): never {
  throw new Error(`${service}: ${message}`);
}

function asArray<T = unknown>(v: unknown, field: string, service: string): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(service, `${field} must be a list, got ${JSON.stringify(v)}`);
  return v as T[];
}

function rejectUnknownKeys(obj: Record<string, unknown>, known: readonly string[], field: string, service: string): void {
  const unknown = Object.keys(obj).filter((k) => !known.includes(k) && obj[k] !== undefined);
  if (unknown.length > 0) {
    fail(service, `${field} has field(s) the container suite does not translate: ${unknown.join(", ")} — teach test/containers/support/container-spec.ts`);
  }
}

function octal(text: unknown, field: string, service: string): number {
  if (typeof text !== "string" || !/^0?[0-7]{3,4}$/.test(text)) fail(service, `${field} must be an octal mode string, got ${JSON.stringify(text)}`);
  return parseInt(text, 8);
}

function numericId(text: unknown, field: string, service: string): number {
  if (text === undefined) return 0;
  const s = String(text);
  if (!/^\d+$/.test(s)) fail(service, `${field} must be a numeric id for the suite to reproduce it, got ${JSON.stringify(text)}`);
  return Number(s);
}

const MiB = 1024 * 1024;

export function translateContainer(service: string, inputs: Record<string, unknown>, opts: TranslateOptions): EngineSpec {
  const unknown = Object.keys(inputs).filter((k) => inputs[k] !== undefined && !HANDLED.has(k) && !PROVIDER_ONLY.has(k));
  if (unknown.length > 0) {
    fail(service, `declares container input(s) the suite does not translate: ${unknown.join(", ")} — teach test/containers/support/container-spec.ts, so no setting is dropped silently`);
  }
  const refuse = (field: string, why: string) => {
    if (inputs[field] !== undefined && inputs[field] !== false && !(Array.isArray(inputs[field]) && (inputs[field] as unknown[]).length === 0)) {
      fail(service, `${field} is set (${JSON.stringify(inputs[field])}): ${why}`);
    }
  };
  refuse("devices", "host devices would be passed to a test container");
  refuse("volumes", "legacy volumes/bind mounts are not reproduced (use mounts)");
  refuse("gpus", "no GPU here");
  refuse("deviceRequests", "no devices here");
  refuse("runtime", "only the engine's default runtime exists here");
  refuse("rm", "auto-removal would destroy the evidence the suite inspects");

  const config: Record<string, unknown> = { Image: opts.image };
  const host: Record<string, unknown> = {};

  if (inputs.user !== undefined) config.User = String(inputs.user);
  if (inputs.envs !== undefined) config.Env = asArray<string>(inputs.envs, "envs", service).map(String);
  if (inputs.command !== undefined) config.Cmd = asArray<string>(inputs.command, "command", service);
  if (inputs.entrypoints !== undefined) config.Entrypoint = asArray<string>(inputs.entrypoints, "entrypoints", service);
  if (inputs.workingDir !== undefined) config.WorkingDir = inputs.workingDir;
  if (inputs.hostname !== undefined) config.Hostname = inputs.hostname;
  if (inputs.domainname !== undefined) config.Domainname = inputs.domainname;
  if (inputs.stopSignal !== undefined) config.StopSignal = inputs.stopSignal;
  if (inputs.stopTimeout !== undefined) config.StopTimeout = inputs.stopTimeout;
  if (inputs.tty !== undefined) config.Tty = inputs.tty;
  if (inputs.stdinOpen !== undefined) config.OpenStdin = inputs.stdinOpen;

  const labels: Record<string, string> = { "rampart.test": "containers" };
  for (const l of asArray<Record<string, unknown>>(inputs.labels, "labels", service)) {
    rejectUnknownKeys(l, ["label", "value"], "labels[]", service);
    labels[String(l.label)] = String(l.value);
  }
  config.Labels = labels;

  if (inputs.healthcheck !== undefined) {
    const hc = inputs.healthcheck as Record<string, unknown>;
    rejectUnknownKeys(hc, ["tests", "interval", "timeout", "startPeriod", "retries", "startInterval"], "healthcheck", service);
    const h: Record<string, unknown> = { Test: asArray<string>(hc.tests, "healthcheck.tests", service) };
    if (hc.interval !== undefined) h.Interval = durationNs(String(hc.interval), `${service} healthcheck.interval`);
    if (hc.timeout !== undefined) h.Timeout = durationNs(String(hc.timeout), `${service} healthcheck.timeout`);
    if (hc.startPeriod !== undefined) h.StartPeriod = durationNs(String(hc.startPeriod), `${service} healthcheck.startPeriod`);
    if (hc.startInterval !== undefined) h.StartInterval = durationNs(String(hc.startInterval), `${service} healthcheck.startInterval`);
    if (hc.retries !== undefined) h.Retries = hc.retries;
    config.Healthcheck = h;
  }

  host.ReadonlyRootfs = inputs.readOnly === true;
  host.Privileged = inputs.privileged === true;
  if (inputs.capabilities !== undefined) {
    const caps = inputs.capabilities as Record<string, unknown>;
    rejectUnknownKeys(caps, ["adds", "drops"], "capabilities", service);
    host.CapAdd = asArray<string>(caps.adds, "capabilities.adds", service);
    host.CapDrop = asArray<string>(caps.drops, "capabilities.drops", service);
  }
  if (inputs.securityOpts !== undefined) host.SecurityOpt = asArray<string>(inputs.securityOpts, "securityOpts", service);
  if (inputs.memory !== undefined) host.Memory = Number(inputs.memory) * MiB;
  if (inputs.memorySwap !== undefined) host.MemorySwap = Number(inputs.memorySwap) > 0 ? Number(inputs.memorySwap) * MiB : Number(inputs.memorySwap);
  if (inputs.memoryReservation !== undefined) host.MemoryReservation = Number(inputs.memoryReservation) * MiB;
  if (inputs.shmSize !== undefined) host.ShmSize = Number(inputs.shmSize) * MiB;
  if (inputs.cpus !== undefined) {
    const cpus = Number(inputs.cpus);
    if (!(cpus > 0)) fail(service, `cpus must be a positive number, got ${JSON.stringify(inputs.cpus)}`);
    host.NanoCpus = Math.round(cpus * 1e9);
  }
  if (inputs.cpuShares !== undefined) host.CpuShares = inputs.cpuShares;
  if (inputs.cpuPeriod !== undefined) host.CpuPeriod = inputs.cpuPeriod;
  if (inputs.cpuQuota !== undefined) host.CpuQuota = inputs.cpuQuota;
  if (inputs.cpuSet !== undefined) host.CpusetCpus = inputs.cpuSet;
  const adjustments: string[] = [];
  host.Ulimits = asArray<Record<string, unknown>>(inputs.ulimits, "ulimits", service).map((u) => {
    rejectUnknownKeys(u, ["name", "soft", "hard"], "ulimits[]", service);
    const ceiling = opts.rlimitCeiling?.[String(u.name)];
    const clamp = (v: unknown): unknown => (ceiling !== undefined && typeof v === "number" && (v < 0 || v > ceiling) ? ceiling : v);
    const soft = clamp(u.soft);
    const hard = clamp(u.hard);
    if (soft !== u.soft || hard !== u.hard) {
      adjustments.push(`ulimit ${String(u.name)} ${String(u.soft)}:${String(u.hard)} lowered to ${String(soft)}:${String(hard)}, this machine's hard limit`);
    }
    return { Name: u.name, Soft: soft, Hard: hard };
  });
  if (inputs.tmpfs !== undefined) host.Tmpfs = { ...(inputs.tmpfs as Record<string, string>) };
  if (inputs.sysctls !== undefined) host.Sysctls = inputs.sysctls;
  if (inputs.storageOpts !== undefined) host.StorageOpt = inputs.storageOpts;
  if (inputs.init !== undefined) host.Init = inputs.init;
  if (inputs.restart !== undefined) {
    host.RestartPolicy = { Name: inputs.restart, MaximumRetryCount: inputs.restart === "on-failure" ? (inputs.maxRetryCount ?? 0) : 0 };
  }
  if (inputs.logDriver !== undefined || inputs.logOpts !== undefined) {
    host.LogConfig = { Type: inputs.logDriver ?? "json-file", Config: inputs.logOpts ?? {} };
  }
  for (const [field, key] of [["pidMode", "PidMode"], ["ipcMode", "IpcMode"], ["usernsMode", "UsernsMode"], ["cgroupnsMode", "CgroupnsMode"]] as const) {
    if (inputs[field] !== undefined) host[key] = inputs[field];
  }
  if (inputs.dns !== undefined) host.Dns = inputs.dns;
  if (inputs.dnsOpts !== undefined) host.DnsOptions = inputs.dnsOpts;
  if (inputs.dnsSearches !== undefined) host.DnsSearch = inputs.dnsSearches;
  if (inputs.groupAdds !== undefined) host.GroupAdd = inputs.groupAdds;
  if (inputs.publishAllPorts !== undefined) host.PublishAllPorts = inputs.publishAllPorts;
  if (inputs.hosts !== undefined) {
    host.ExtraHosts = asArray<Record<string, unknown>>(inputs.hosts, "hosts", service).map((h) => {
      rejectUnknownKeys(h, ["host", "ip"], "hosts[]", service);
      return `${String(h.host)}:${String(h.ip)}`;
    });
  }

  // Mounts: named volumes and tmpfs only; a bind mount would reach into this machine.
  const volumes: string[] = [];
  host.Mounts = asArray<Record<string, unknown>>(inputs.mounts, "mounts", service).map((m) => {
    rejectUnknownKeys(m, ["type", "target", "source", "readOnly", "tmpfsOptions", "volumeOptions", "bindOptions"], "mounts[]", service);
    const mount: Record<string, unknown> = { Type: m.type, Target: m.target, ReadOnly: m.readOnly === true };
    if (m.type === "volume") {
      const vname = opts.volumeName(String(m.source));
      volumes.push(vname);
      mount.Source = vname;
      if (m.volumeOptions !== undefined) {
        const vo = m.volumeOptions as Record<string, unknown>;
        rejectUnknownKeys(vo, ["noCopy", "labels", "driverName", "driverOptions", "subpath"], "mounts[].volumeOptions", service);
        mount.VolumeOptions = { NoCopy: vo.noCopy === true };
        if (vo.driverName !== undefined || vo.driverOptions !== undefined || vo.subpath !== undefined) {
          fail(service, `mount ${String(m.target)}: volume driver options/subpath are not reproduced by the suite`);
        }
      }
    } else if (m.type === "tmpfs") {
      const to = (m.tmpfsOptions ?? {}) as Record<string, unknown>;
      rejectUnknownKeys(to, ["sizeBytes", "mode"], "mounts[].tmpfsOptions", service);
      mount.TmpfsOptions = { ...(to.sizeBytes !== undefined ? { SizeBytes: to.sizeBytes } : {}), ...(to.mode !== undefined ? { Mode: to.mode } : {}) };
    } else {
      fail(service, `mount ${String(m.target)} is of type ${String(m.type)}: only volume and tmpfs mounts are allowed (no host paths)`);
    }
    return mount;
  });

  // Networks: host networking only when the caller allows it; user-defined networks map to the suite's.
  const joins: NetworkJoin[] = asArray<Record<string, unknown>>(inputs.networksAdvanced, "networksAdvanced", service).map((n) => {
    rejectUnknownKeys(n, ["name", "aliases", "ipv4Address", "ipv6Address"], "networksAdvanced[]", service);
    const mapped = opts.networks[String(n.name)];
    if (!mapped) fail(service, `joins network "${String(n.name)}", which the suite did not map to one of its --internal networks`);
    return {
      network: mapped,
      aliases: asArray<string>(n.aliases, "networksAdvanced[].aliases", service).map(String),
      ...(n.ipv4Address !== undefined ? { ipv4Address: String(n.ipv4Address) } : {}),
      ...(n.ipv6Address !== undefined ? { ipv6Address: String(n.ipv6Address) } : {}),
    };
  });
  const mode = inputs.networkMode === undefined ? "bridge" : String(inputs.networkMode);
  let first: NetworkJoin | undefined;
  if (mode === "host") {
    if (!opts.allowHostNetwork) {
      fail(service, "uses host networking; the suite runs it only on its own --internal networks (pass a local-target configuration)");
    }
    host.NetworkMode = "host";
  } else if (mode === "bridge" || mode === "default") {
    // The provider creates on the default bridge and then connects networksAdvanced. The suite never
    // uses the default bridge (it reaches outside); the first declared network takes its place.
    first = joins[0];
    if (!first) fail(service, "declares no user-defined network; the suite would have to use the default bridge, which reaches outside");
    host.NetworkMode = first.network;
  } else if (mode === "none") {
    host.NetworkMode = "none";
  } else {
    const mapped = opts.networks[mode];
    if (!mapped) fail(service, `networkMode "${mode}" is not mapped to a suite network`);
    host.NetworkMode = mapped;
  }
  const create: Record<string, unknown> = { ...config, HostConfig: host };
  if (first) create.NetworkingConfig = { EndpointsConfig: { [first.network]: endpointConfig(first) } };

  // Ports: declared address and container port kept, host port ephemeral.
  const exposed: Record<string, object> = {};
  const bindings: Record<string, { HostIp: string; HostPort: string }[]> = {};
  for (const p of asArray<Record<string, unknown>>(inputs.ports, "ports", service)) {
    rejectUnknownKeys(p, ["internal", "external", "ip", "protocol"], "ports[]", service);
    const key = `${Number(p.internal)}/${String(p.protocol ?? "tcp")}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: String(p.ip ?? "0.0.0.0"), HostPort: "" });
  }
  if (Object.keys(exposed).length > 0) {
    config.ExposedPorts = exposed;
    create.ExposedPorts = exposed;
    host.PortBindings = bindings;
  }

  const uploads: UploadSpec[] = asArray<Record<string, unknown>>(inputs.uploads, "uploads", service).map((u) => {
    rejectUnknownKeys(u, ["file", "content", "contentBase64", "source", "sourceHash", "executable", "permissions", "owner", "group"], "uploads[]", service);
    const sources = [u.content, u.contentBase64, u.source].filter((s) => s !== undefined && s !== "");
    if (sources.length !== 1) fail(service, `upload ${String(u.file)} must have exactly one of content, contentBase64, source`);
    if (u.source !== undefined) fail(service, `upload ${String(u.file)} reads a file from the deployer's disk (source); the suite cannot reproduce that`);
    const content = u.content !== undefined ? Buffer.from(String(u.content), "utf8") : Buffer.from(String(u.contentBase64), "base64");
    const mode = u.permissions !== undefined ? octal(u.permissions, `upload ${String(u.file)} permissions`, service) : u.executable === true ? 0o744 : 0o644;
    return {
      file: String(u.file),
      content,
      mode,
      uid: numericId(u.owner, `upload ${String(u.file)} owner`, service),
      gid: numericId(u.group, `upload ${String(u.file)} group`, service),
    };
  });

  return { create, uploads, laterNetworks: joins.slice(first ? 1 : 0), volumes, start: inputs.start !== false, adjustments };
}

/** Hard limits of this process (the engine was started from the same kind of shell), from /proc/self/limits. */
export function hostRlimitCeiling(limitsText: string): Record<string, number> {
  const rows: Record<string, string> = { nofile: "Max open files", nproc: "Max processes", memlock: "Max locked memory" };
  const out: Record<string, number> = {};
  for (const [name, label] of Object.entries(rows)) {
    const m = new RegExp(`^${label}\\s+(\\S+)\\s+(\\S+)`, "m").exec(limitsText);
    if (m && m[2] !== "unlimited") out[name] = Number(m[2]);
  }
  return out;
}
