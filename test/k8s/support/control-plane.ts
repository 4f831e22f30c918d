/**
 * A real Kubernetes control plane on loopback for the Kubernetes suite: etcd, kube-apiserver and
 * kube-controller-manager (built by scripts/engine/build-kube-control-plane.sh; etcd from the system),
 * each on a port picked free at start, with a CA, serving and client certificates and a service-account
 * key pair made by openssl in a temporary folder. There is no scheduler and no kubelet: pods are admitted
 * (or refused) and then stay Pending. Everything started here is stopped by its pid in `stop()`.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(__dirname, "..", "..", "..");
const SCRIPTS = join(ROOT, "scripts", "engine");

/** The last stdout line of a build script (the binary or folder), or undefined outside CI when it cannot build. */
export function built(script: "build-kubernetes-provider.sh" | "build-kube-control-plane.sh"): string | undefined {
  const ci = process.env.CI === "true";
  try {
    const out = execFileSync("bash", [join(SCRIPTS, script)], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 60 * 60_000 });
    const path = out.trim().split("\n").pop()!;
    if (!existsSync(path)) throw new Error(`${script} printed "${path}", which does not exist`);
    return path;
  } catch (e) {
    if (ci) throw e;
    process.stderr.write(`kubernetes suite: ${script} failed (${(e as Error).message}); skipping\n`);
    return undefined;
  }
}

/** etcd from the system (Debian's etcd-server, scripts/testbed/install.sh). */
export function findEtcd(): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, "etcd");
    if (dir && existsSync(p)) return p;
  }
  if (process.env.CI === "true") throw new Error("kubernetes suite: etcd is not on PATH (scripts/testbed/install.sh installs etcd-server)");
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once("error", fail);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => ok(port));
    });
  });
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

/** The certificates a cluster needs, by file name in `dir`. */
function makePki(dir: string): void {
  openssl(dir, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2", "-subj", "/CN=rampart-k8s-suite-ca");
  const leaf = (name: string, subject: string, ext: string) => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", subject);
    openssl(dir, "x509", "-req", "-in", `${name}.csr`, "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out", `${name}.crt`, "-days", "2", "-extfile", `${name}.ext`);
  };
  leaf(
    "apiserver",
    "/CN=kube-apiserver",
    "subjectAltName=IP:127.0.0.1,IP:10.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n",
  );
  // The suite's administrator (system:masters) and the controller manager (its own RBAC user).
  leaf("admin", "/O=system:masters/CN=rampart-k8s-suite-admin", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  leaf("controller-manager", "/CN=system:kube-controller-manager", "extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n");
  openssl(dir, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key");
  openssl(dir, "pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub");
}

function kubeconfig(server: string, dir: string, user: "admin" | "controller-manager"): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString("base64");
  return JSON.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "suite", cluster: { server, "certificate-authority-data": b64("ca.crt") } }],
    users: [{ name: user, user: { "client-certificate-data": b64(`${user}.crt`), "client-key-data": b64(`${user}.key`) } }],
    contexts: [{ name: "suite", context: { cluster: "suite", user } }],
    "current-context": "suite",
  });
}

export interface KubeResponse {
  status: number;
  body: Record<string, unknown>;
  /** The texts of the response's `Warning` headers (admission warnings, e.g. PodSecurity's in warn mode). */
  warnings: string[];
}

export interface ControlPlane {
  server: string;
  /** The administrator's kubeconfig (JSON), as the provider takes it. */
  adminKubeconfig: string;
  adminKubeconfigPath: string;
  dir: string;
  /** A request to the API server as the administrator; `as` impersonates a user (e.g. a service account). */
  api(method: string, path: string, body?: unknown, as?: { user: string; groups?: string[] }): Promise<KubeResponse>;
  /** Every process started, by name (for the report) and pid. */
  pids: Record<string, number>;
  stop(): Promise<void>;
}

interface Started {
  name: string;
  child: ChildProcess;
  log: string;
}

function start(name: string, bin: string, args: string[], dir: string): Started {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, "a");
  const child = spawn(bin, args, { cwd: dir, stdio: ["ignore", fd, fd] });
  closeSync(fd);
  return { name, child, log };
}

const tail = (s: Started) => (existsSync(s.log) ? readFileSync(s.log, "utf8").split("\n").slice(-30).join("\n") : "");

async function stopProcess(s: Started): Promise<void> {
  const { child } = s;
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((ok) => child.once("exit", () => ok()));
  process.kill(child.pid, "SIGTERM");
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, "SIGKILL");
  }, 20_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `ready` until it is true; gives up after `seconds`, naming what it waited for and the process's log. */
async function waitFor(what: string, seconds: number, ready: () => Promise<boolean>, proc: Started): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited (${proc.child.exitCode}) while waiting for ${what}:\n${tail(proc)}`);
    if (await ready().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${what}: not ready within ${seconds} s; ${proc.name}'s log ends:\n${tail(proc)}`);
}

export async function startControlPlane(bins: { etcd: string; kubernetes: string }): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), "rampart-k8s-"));
  makePki(dir);
  const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
  const started: Started[] = [];
  const stop = async () => {
    for (const s of [...started].reverse()) await stopProcess(s);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const etcd = start("etcd", bins.etcd, [
      "--name", "suite",
      "--data-dir", join(dir, "etcd"),
      "--listen-client-urls", etcdUrl,
      "--advertise-client-urls", etcdUrl,
      "--listen-peer-urls", `http://127.0.0.1:${etcdPeer}`,
      "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeer}`,
      "--initial-cluster", `suite=http://127.0.0.1:${etcdPeer}`,
      "--logger", "zap",
      "--log-level", "warn",
    ], dir);
    started.push(etcd);
    await waitFor("etcd", 60, async () => (await fetch(`${etcdUrl}/health`)).ok, etcd);

    const server = `https://127.0.0.1:${apiPort}`;
    const f = (name: string) => join(dir, name);
    const apiserver = start("kube-apiserver", join(bins.kubernetes, "kube-apiserver"), [
      `--etcd-servers=${etcdUrl}`,
      "--bind-address=127.0.0.1",
      "--advertise-address=127.0.0.1",
      `--secure-port=${apiPort}`,
      `--cert-dir=${f("apiserver-certs")}`,
      `--tls-cert-file=${f("apiserver.crt")}`,
      `--tls-private-key-file=${f("apiserver.key")}`,
      `--client-ca-file=${f("ca.crt")}`,
      "--anonymous-auth=false",
      "--authorization-mode=Node,RBAC",
      // As on EKS (and kubelets' default): privileged pods are valid API objects, so refusing one is
      // PodSecurity's job, which is what the suite examines (without this the API refuses them first).
      "--allow-privileged=true",
      // PodSecurity is on by default; naming it keeps the suite honest if a default changes.
      "--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,NodeRestriction,PodSecurity",
      "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
      `--service-account-key-file=${f("sa.pub")}`,
      `--service-account-signing-key-file=${f("sa.key")}`,
      "--service-cluster-ip-range=10.0.0.0/24",
      // Else it rewrites the `kubernetes` Service's endpoints to 127.0.0.1 every 10 s and complains that is loopback.
      "--endpoint-reconciler-type=none",
      "--profiling=false",
    ], dir);
    started.push(apiserver);

    const ca = readFileSync(f("ca.crt"));
    const cert = readFileSync(f("admin.crt"));
    const key = readFileSync(f("admin.key"));
    const api: ControlPlane["api"] = (method, path, body, as) =>
      new Promise((ok, fail) => {
        const headers: Record<string, string | string[]> = { accept: "application/json" };
        const payload = body === undefined ? undefined : JSON.stringify(body);
        if (payload !== undefined) headers["content-type"] = "application/json";
        if (as) {
          headers["impersonate-user"] = as.user;
          if (as.groups) headers["impersonate-group"] = as.groups;
        }
        const req = request(`${server}${path}`, { method, ca, cert, key, headers, timeout: 60_000 }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: Record<string, unknown>;
            try {
              parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
            } catch {
              parsed = { text };
            }
            const warnings: string[] = [];
            for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
              if (res.rawHeaders[i]!.toLowerCase() === "warning") warnings.push(res.rawHeaders[i + 1]!.replace(/^\d+ \S+ "(.*)"$/s, "$1").replace(/\\"/g, '"'));
            }
            ok({ status: res.statusCode ?? 0, body: parsed, warnings });
          });
        });
        req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 60 s`)));
        req.on("error", fail);
        req.end(payload);
      });
    await waitFor("kube-apiserver /readyz", 180, async () => (await api("GET", "/readyz")).status === 200, apiserver);

    const cmKubeconfig = f("controller-manager.kubeconfig");
    writeFileSync(cmKubeconfig, kubeconfig(server, dir, "controller-manager"));
    const cm = start("kube-controller-manager", join(bins.kubernetes, "kube-controller-manager"), [
      `--kubeconfig=${cmKubeconfig}`,
      `--authentication-kubeconfig=${cmKubeconfig}`,
      `--authorization-kubeconfig=${cmKubeconfig}`,
      "--bind-address=127.0.0.1",
      `--secure-port=${await freePort()}`,
      `--cert-dir=${f("controller-manager-certs")}`,
      `--service-account-private-key-file=${f("sa.key")}`,
      `--root-ca-file=${f("ca.crt")}`,
      "--use-service-account-credentials=true",
      "--leader-elect=false",
      "--profiling=false",
    ], dir);
    started.push(cm);
    // Ready when it has made the default namespace's ServiceAccount (its serviceaccount controller runs).
    await waitFor("kube-controller-manager (the default ServiceAccount)", 180, async () => (await api("GET", "/api/v1/namespaces/default/serviceaccounts/default")).status === 200, cm);

    const adminKubeconfig = kubeconfig(server, dir, "admin");
    const adminKubeconfigPath = f("admin.kubeconfig");
    writeFileSync(adminKubeconfigPath, adminKubeconfig);
    const pids = Object.fromEntries(started.map((s) => [s.name, s.child.pid ?? 0]));
    return { server, adminKubeconfig, adminKubeconfigPath, dir, api, pids, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
