/**
 * A policy pack served as the Pulumi engine meets it: a child process that prints the port of its
 * Analyzer gRPC service, and a client asking what the engine asks (GetAnalyzerInfo, Analyze).
 */
import type { ChildProcess } from "node:child_process";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import type { PlanResource } from "@rampart/policies/check/evaluate";

export { analyzer };

export interface Diagnostic {
  policy: string;
  message: string;
  level: analyzer.EnforcementLevel;
}

type Client = grpc.Client & {
  getAnalyzerInfo: (req: Empty, cb: (err: Error | null, res: analyzer.AnalyzerInfo) => void) => void;
  analyze: (req: analyzer.AnalyzeRequest, cb: (err: Error | null, res: analyzer.AnalyzeResponse) => void) => void;
  configure: (req: analyzer.ConfigureAnalyzerRequest, cb: (err: Error | null) => void) => void;
};

const LEVELS: Record<string, analyzer.EnforcementLevel> = {
  advisory: analyzer.EnforcementLevel.ADVISORY,
  mandatory: analyzer.EnforcementLevel.MANDATORY,
  disabled: analyzer.EnforcementLevel.DISABLED,
  remediate: analyzer.EnforcementLevel.REMEDIATE,
};

export interface ServedPack {
  info(): Promise<analyzer.AnalyzerInfo>;
  analyze(r: PlanResource): Promise<Diagnostic[]>;
  /**
   * Hands the pack its config as the engine does after reconciling a `--policy-pack-config` file: every
   * policy of `defaults` (name → declared level) at its level, overridden by the file's entries.
   */
  configure(defaults: Record<string, string>, file: Record<string, unknown>): Promise<void>;
  close(): void;
}

/** Waits for the port line @pulumi/policy prints once it serves, then connects. */
export async function connectToPack(child: ChildProcess, what: string, timeoutMs: number): Promise<ServedPack> {
  const port = await new Promise<string>((resolvePort, reject) => {
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`${what} printed no port within ${timeoutMs / 1000} s:\n${stderr}`)), timeoutMs);
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      const m = /^(\d+)\s*$/m.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolvePort(m[1]!);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited ${code} before serving:\n${stderr}${stdout}`));
    });
  });
  const ClientCtor = analyzerRpc.AnalyzerClient as unknown as new (addr: string, creds: grpc.ChannelCredentials) => Client;
  const client = new ClientCtor(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return {
    info: () => new Promise((res, rej) => client.getAnalyzerInfo(new Empty(), (err, r) => (err ? rej(err) : res(r)))),
    analyze(r) {
      const req = new analyzer.AnalyzeRequest();
      req.setType(r.type);
      req.setUrn(r.urn);
      req.setName(r.name);
      req.setProperties(Struct.fromJavaScript(r.inputs as Record<string, never>));
      const opts = new analyzer.AnalyzerResourceOptions();
      opts.setCustomtimeouts(new analyzer.AnalyzerResourceOptions.CustomTimeouts());
      req.setOptions(opts);
      return new Promise((res, rej) =>
        client.analyze(req, (err, out) =>
          err ? rej(err) : res(out.getDiagnosticsList().map((d) => ({ policy: d.getPolicyname(), message: d.getMessage(), level: d.getEnforcementlevel() }))),
        ),
      );
    },
    configure(defaults, file) {
      const req = new analyzer.ConfigureAnalyzerRequest();
      const map = req.getPolicyconfigMap();
      for (const [name, declared] of Object.entries(defaults)) {
        const given = file[name];
        const props = typeof given === "object" && given !== null ? { ...(given as Record<string, unknown>) } : {};
        const level = typeof given === "string" ? given : typeof props.enforcementLevel === "string" ? props.enforcementLevel : declared;
        delete props.enforcementLevel;
        const cfg = new analyzer.PolicyConfig();
        cfg.setEnforcementlevel(LEVELS[level as string] ?? analyzer.EnforcementLevel.MANDATORY);
        cfg.setProperties(Struct.fromJavaScript(props as Record<string, never>));
        map.set(name, cfg);
      }
      return new Promise((res, rej) => client.configure(req, (err) => (err ? rej(err) : res())));
    },
    close: () => client.close(),
  };
}
