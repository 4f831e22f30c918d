/**
 * The real Pulumi CLI (built by scripts/engine/build-pulumi.sh) running Rampart as an inline program of
 * the Automation API: the program runs in this process, so no Node language host is needed. Providers
 * are the STAND-IN of ./stand-in-provider.ts on PATH; the state lives in a file backend in a temporary
 * folder with its own PULUMI_HOME. Pulumi's runtime is process-global: one operation at a time.
 */
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { LocalWorkspace, PulumiCommand, type PulumiFn, type Stack } from "@pulumi/pulumi/automation";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import { readStackConfig } from "../../../infra/plan/stack-config";
import { installStandIns, ROOT, writePolicyPackLauncher, type StandInBin } from "./stand-in-bin";

export { ROOT };

const BUILD_SCRIPT = join(ROOT, "scripts", "engine", "build-pulumi.sh");

/**
 * The CLI's path: the last stdout line of build-pulumi.sh (fast when the binary is cached, ~6-8 min cold).
 * Undefined when it cannot be had outside CI; under CI=true that is an error, never a skip.
 */
export function findPulumi(): string | undefined {
  const ci = process.env.CI === "true";
  if (!existsSync(BUILD_SCRIPT)) {
    if (ci) throw new Error(`engine suite: ${BUILD_SCRIPT} is missing, so there is no Pulumi CLI to run`);
    return undefined;
  }
  try {
    const out = execFileSync("bash", [BUILD_SCRIPT], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 20 * 60_000 });
    const bin = out.trim().split("\n").pop()!;
    if (!existsSync(bin)) throw new Error(`build-pulumi.sh printed "${bin}", which does not exist`);
    return bin;
  } catch (e) {
    if (ci) throw e;
    process.stderr.write(`engine suite: no Pulumi CLI (${(e as Error).message}); skipping\n`);
    return undefined;
  }
}

export interface Engine {
  pulumi: string;
  command: PulumiCommand;
  dir: string;
  standIns: StandInBin;
  policyPack: string;
  /** The environment every CLI run gets (PATH with the stand-ins first, PULUMI_HOME, passphrase, …). */
  env: Record<string, string>;
  /** Where the stand-in providers record every create, update and delete the engine asks of them. */
  record: string;
  backend: string;
}

export async function startEngine(pulumi: string): Promise<Engine> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-engine-"));
  const standIns = await installStandIns(dir);
  const policyPack = writePolicyPackLauncher(dir);
  const backend = join(dir, "backend");
  const home = join(dir, "pulumi-home");
  mkdirSync(backend);
  mkdirSync(home);
  const env: Record<string, string> = {
    PATH: `${standIns.binDir}:${process.env.PATH}`,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${backend}`,
    PULUMI_CONFIG_PASSPHRASE: "",
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK: "true",
    NO_COLOR: "1",
    RAMPART_STAND_IN_RECORD: join(dir, "stand-in-record.jsonl"),
  };
  // The CLI is `<root>/bin/pulumi` to PulumiCommand: the cache folder has no bin/, so point at it by a
  // root whose bin/ is a link.
  const root = join(dir, "cli");
  mkdirSync(join(root, "bin"), { recursive: true });
  execFileSync("ln", ["-s", pulumi, join(root, "bin", "pulumi")]);
  const command = await PulumiCommand.get({ root, skipVersionCheck: true });
  return { pulumi, command, dir, standIns, policyPack, env, backend, record: env.RAMPART_STAND_IN_RECORD! };
}

export interface StackRun {
  stack: Stack;
  /** The config set on the stack (fully qualified keys), secrets included. */
  config: Record<string, { value: string; secret: boolean }>;
}

/**
 * A stack named `name` of project rampart, configured from Pulumi.<fromStack>.yaml (and Pulumi.yaml's
 * defaults) the way infra/plan/stack-config.ts reads them; encrypted values get generated stand-ins.
 */
export async function createStack(engine: Engine, name: string, fromStack: string, program: PulumiFn, overrides: Record<string, string> = {}): Promise<StackRun> {
  const stack = await LocalWorkspace.createOrSelectStack(
    { stackName: name, projectName: "rampart", program },
    {
      projectSettings: { name: "rampart", runtime: "nodejs", backend: { url: `file://${engine.backend}` } },
      pulumiHome: engine.env.PULUMI_HOME,
      envVars: engine.env,
      pulumiCommand: engine.command,
      secretsProvider: "passphrase",
    },
  );
  const read = readStackConfig(ROOT, fromStack);
  const config: Record<string, { value: string; secret: boolean }> = {};
  for (const [key, value] of Object.entries({ ...read.values, ...overrides })) {
    const secret = read.secretKeys.includes(key);
    const generated = value.startsWith("offline-plan-stand-in-for-an-encrypted-value-") ? randomBytes(32).toString("hex") : value;
    config[key] = { value: generated, secret };
  }
  await stack.setAllConfig(config);
  return { stack, config };
}

/** `pulumi <args>` for an inline-program stack, as the Automation API runs its own commands. */
export async function runCli(stack: Stack, args: string[], program: PulumiFn): Promise<{ stdout: string; stderr: string; code: number }> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { LanguageServer } = require("@pulumi/pulumi/automation/server") as {
    LanguageServer: new (program: PulumiFn) => grpc.UntypedServiceImplementation & { onPulumiExit(hasError: boolean): void };
  };
  const server = new grpc.Server();
  const languageServer = new LanguageServer(program);
  server.addService(langrpc.LanguageRuntimeService, languageServer);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))),
  );
  let failed = false;
  try {
    const run = (stack as unknown as { runPulumiCmd(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> }).runPulumiCmd.bind(stack);
    return await run([...args, `--client=127.0.0.1:${port}`, "--exec-kind", "auto.inline"]);
  } catch (e) {
    failed = true;
    throw e;
  } finally {
    languageServer.onPulumiExit(failed);
    server.forceShutdown();
  }
}

export interface RecordedStep {
  op: "create" | "update" | "delete";
  urn: string;
  id: string;
}

/** What the stand-ins recorded so far; `since` is the count of an earlier read, to see one operation's steps. */
export function recordedSteps(engine: Engine, since = 0): RecordedStep[] {
  if (!existsSync(engine.record)) return [];
  return readFileSync(engine.record, "utf8").split("\n").filter(Boolean).slice(since).map((l) => JSON.parse(l) as RecordedStep);
}

/** Milliseconds `fn` takes. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, Math.round(performance.now() - t0)];
}

/** `pulumi <args> --stack <stack>` for commands that run no program (e.g. `stack export` without --show-secrets). */
export async function runCliWithoutProgram(stack: Stack, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const run = (stack as unknown as { runPulumiCmd(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> }).runPulumiCmd.bind(stack);
  return run(args);
}

/** Every secret's plaintext in a `--show-secrets` export. */
export function secretPlaintexts(v: unknown, into: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((x) => secretPlaintexts(x, into));
  else if (typeof v === "object" && v !== null) {
    const o = v as Record<string, unknown>;
    if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" && typeof o.plaintext === "string") {
      const leaves = (x: unknown): void => {
        if (typeof x === "string") into.push(x);
        else if (typeof x === "object" && x !== null) Object.values(x).forEach(leaves);
      };
      leaves(JSON.parse(o.plaintext));
    } else Object.values(o).forEach((x) => secretPlaintexts(x, into));
  }
  return into;
}
