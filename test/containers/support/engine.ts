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
    await startContainer(id);
    return id;
  }

  /** Waits for the declared healthcheck to report healthy; throws with the container's log otherwise. */
  async waitHealthy(id: string, what: string, timeoutMs: number): Promise<ContainerInspect> {
    const deadline = Date.now() + timeoutMs;
    let last: ContainerInspect | undefined;
    while (Date.now() < deadline) {
      last = await inspectContainer(id);
      const health = last.State.Health?.Status;
      if (health === "healthy") return last;
      if (!last.State.Running && last.State.Status !== "created" && last.State.Status !== "restarting") {
        break;
      }
      if (health === "unhealthy") break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const logs = await containerLogs(id).catch(() => "(no logs)");
    const probes = last?.State.Health?.Log?.map((l) => `exit ${l.ExitCode}: ${l.Output.trim()}`).join("\n") ?? "";
    throw new Error(
      `${what} did not become healthy (state ${last?.State.Status}, health ${last?.State.Health?.Status ?? "none"}, exit ${last?.State.ExitCode}).\n` +
        `healthcheck output:\n${probes}\ncontainer log:\n${logs}`,
    );
  }

  /** `docker exec` with a time limit. */
  async exec(id: string, cmd: string[], opts: { user?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    const args = ["exec", ...(opts.user ? ["--user", opts.user] : []), id, ...cmd];
    try {
      const { stdout, stderr } = await run("docker", args, { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 16 * 1024 * 1024 });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number | string; stdout?: string; stderr?: string; killed?: boolean };
      if (e.killed) throw new Error(`docker exec ${cmd.join(" ")} timed out`);
      return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
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
