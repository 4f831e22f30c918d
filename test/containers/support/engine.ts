/**
 * One suite run on the real engine: every network, volume and container it creates carries the run's
 * unique prefix and is removed by id in `cleanup()`. Networks are always `--internal`.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import {
  containerLogs,
  createContainer,
  createNetwork,
  createVolume,
  dockerCall,
  inspectContainer,
  putArchive,
  removeContainer,
  removeNetwork,
  removeVolume,
  startContainer,
  type ContainerInspect,
} from "./docker-api";
import { endpointConfig, type EngineSpec, type UploadSpec } from "./container-spec";
import { oneLine, seconds, waitNotice } from "./progress";
import { recordWait } from "./summary";

const run = promisify(execFile);

/** A tar holding one file with the declared owner and mode, named by its absolute path like the provider's. */
export async function uploadTar(upload: UploadSpec): Promise<Buffer> {
  const stage = mkdtempSync(join(tmpdir(), "rampart-upload-"));
  try {
    const rel = upload.file.replace(/^\/+/, "");
    mkdirSync(dirname(join(stage, rel)), { recursive: true });
    writeFileSync(join(stage, rel), upload.content, { mode: 0o600 });
    const { stdout } = await run(
      "tar",
      [
        "--numeric-owner",
        `--owner=${upload.uid}`,
        `--group=${upload.gid}`,
        `--mode=${upload.mode.toString(8).padStart(4, "0")}`,
        "--no-recursion",
        "-C",
        stage,
        "-cf",
        "-",
        rel,
      ],
      { encoding: "buffer", maxBuffer: 64 * 1024 * 1024 },
    );
    return stdout;
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class EngineRun {
  readonly prefix: string;
  private readonly containers: string[] = [];
  private readonly networks: string[] = [];
  private readonly volumes = new Set<string>();
  /** Container id → its name, for the progress lines. */
  private readonly names = new Map<string, string>();

  constructor(label: string) {
    this.prefix = `rt-${label}-${process.pid}-${Date.now().toString(36)}`;
  }

  name(part: string): string {
    return `${this.prefix}-${part}`;
  }

  /** An `--internal` bridge network; `subnet` (CIDR) when a component needs fixed addresses on it. */
  async internalNetwork(part: string, subnet?: string): Promise<string> {
    const name = this.name(part);
    const id = await createNetwork(name, true, subnet);
    this.networks.push(id);
    return name;
  }

  /** A named volume owned by this run (removed in cleanup). */
  async volume(name: string): Promise<string> {
    if (!this.volumes.has(name)) {
      await createVolume(name);
      this.volumes.add(name);
    }
    return name;
  }

  volumeName = (declared: string): string => this.name(`vol-${declared.replace(/[^a-zA-Z0-9_.-]+/g, "-")}`);

  /**
   * Creates the container as the provider does: create, join further networks, upload each file as a tar
   * at "/" (the provider's destination), then start unless `start: false`.
   */
  async launch(part: string, spec: EngineSpec): Promise<string> {
    for (const v of spec.volumes) await this.volume(v);
    const id = await createContainer(this.name(part), spec.create);
    this.containers.push(id);
    this.names.set(id, this.name(part));
    for (const join of spec.laterNetworks) {
      await dockerCall("POST", `/networks/${join.network}/connect`, { Container: id, EndpointConfig: endpointConfig(join) });
    }
    for (const upload of spec.uploads) {
      try {
        await putArchive(id, "/", await uploadTar(upload));
      } catch (err) {
        throw new Error(
          `${part}: uploading ${upload.file} the way the Pulumi Docker provider does (PUT archive at "/" before start) failed: ` +
            `${(err as Error).message}. \`pulumi up\` would fail the same way: the engine accepts an upload at "/" only ` +
            `into a container whose root is writable. See "uploads reach a read-only container only through a writable ` +
            `helper.test.ts" for what works.`,
        );
      }
    }
    if (spec.start) await startContainer(id);
    return id;
  }

  /** A plain helper container (client, outsider) on one of the run's networks. Not hardened: it is the tester. */
  async helper(part: string, image: string, network: string, cmd: string[] = ["sleep", "600"]): Promise<string> {
    const id = await createContainer(this.name(part), {
      Image: image,
      Cmd: cmd,
      Labels: { "rampart.test": "containers" },
      HostConfig: { NetworkMode: network, Init: true },
    });
    this.containers.push(id);
    this.names.set(id, this.name(part));
    await startContainer(id);
    return id;
  }

  /** The name a container of this run was created with (the short id for others). */
  containerName(id: string): string {
    return this.names.get(id) ?? id.slice(0, 12);
  }

  /**
   * Waits for the declared healthcheck to report healthy; throws with the container's log otherwise.
   * While it waits, stderr says every ~10 s what it waits for, how long it has, and the latest check.
   */
  async waitHealthy(id: string, what: string, timeoutMs: number): Promise<ContainerInspect> {
    const deadline = Date.now() + timeoutMs;
    let last: ContainerInspect | undefined;
    const name = this.containerName(id);
    const notice = waitNotice(`${what} (container ${name}) to be healthy`, timeoutMs, () => (last ? healthState(last) : "not inspected yet"));
    let reason = `not healthy within ${seconds(timeoutMs)}`;
    try {
      while (Date.now() < deadline) {
        last = await inspectContainer(id);
        const health = last.State.Health?.Status;
        if (health === "healthy") {
          notice.stop(`${what} (container ${name}) healthy after ${seconds(notice.elapsedMs())}`);
          recordWait(`${what} healthy`, notice.elapsedMs());
          return last;
        }
        if (!last.State.Running && last.State.Status !== "created" && last.State.Status !== "restarting") {
          reason = `the container stopped (state ${last.State.Status}, exit ${last.State.ExitCode})`;
          break;
        }
        if (health === "unhealthy") {
          reason = "its healthcheck reported unhealthy";
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    } finally {
      notice.stop(`${what} (container ${name}): gave up after ${seconds(notice.elapsedMs())}: ${reason}${last ? `; ${healthState(last)}` : ""}`);
    }
    const waited = notice.elapsedMs();
    const logs = await containerLogs(id).catch(() => "(no logs)");
    const checks = last?.State.Health?.Log ?? [];
    const lastCheck = checks.at(-1);
    const probes = checks.map((l) => `exit ${l.ExitCode}: ${l.Output.trim()}`).join("\n");
    throw new Error(
      `${what} did not become healthy: waited ${seconds(waited)} of ${seconds(timeoutMs)} for container ${name} to report healthy; ${reason} ` +
        `(state ${last?.State.Status}, health ${last?.State.Health?.Status ?? "none"}, exit ${last?.State.ExitCode}).\n` +
        `last health check: ${lastCheck ? `exit ${lastCheck.ExitCode}: ${lastCheck.Output.trim() || "(no output)"}` : last?.State.Health ? "(none ran yet)" : "(the container declares no healthcheck)"}\n` +
        `healthcheck output (latest last):\n${probes}\ncontainer log:\n${logs}`,
    );
  }

  /** `docker exec` with a time limit; one running longer than ~10 s says so on stderr. */
  async exec(id: string, cmd: string[], opts: { user?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const args = ["exec", ...(opts.user ? ["--user", opts.user] : []), id, ...cmd];
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const what = `\`docker exec ${oneLine(cmd.join(" "), 80)}\` in ${this.containerName(id)} to finish`;
    const notice = waitNotice(what, timeoutMs);
    try {
      const { stdout, stderr } = await run("docker", args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 });
      notice.stop(`${what}: done after ${seconds(notice.elapsedMs())}`);
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
      if (e.killed) {
        notice.stop(`${what}: timed out after ${seconds(notice.elapsedMs())}`);
        throw new Error(`docker exec ${cmd.join(" ")} timed out after ${seconds(timeoutMs)} (in ${this.containerName(id)})`);
      }
      notice.stop(`${what}: exit ${String(e.code)} after ${seconds(notice.elapsedMs())}`);
      return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    } finally {
      notice.stop();
    }
  }

  async logs(id: string): Promise<string> {
    return containerLogs(id, 200);
  }

  /** Removes what this run created, by id, containers first. Reports (does not throw) leftovers. */
  async cleanup(): Promise<string[]> {
    const problems: string[] = [];
    for (const id of this.containers.reverse()) await removeContainer(id).catch((e: Error) => problems.push(e.message));
    for (const v of this.volumes) await removeVolume(v).catch((e: Error) => problems.push(e.message));
    for (const id of this.networks.reverse()) await removeNetwork(id).catch((e: Error) => problems.push(e.message));
    return problems;
  }
}

/** State, health and the latest health check of an inspected container, for one progress line. */
function healthState(c: ContainerInspect): string {
  const checks = c.State.Health?.Log ?? [];
  const latest = checks.at(-1);
  const check = latest ? `last check: exit ${latest.ExitCode}: ${oneLine(latest.Output) || "(no output)"}` : c.State.Health ? "no check ran yet" : "no healthcheck declared";
  return `state ${c.State.Status}, health ${c.State.Health?.Status ?? "none"}, ${check}`;
}
