/**
 * The Docker Engine API over its unix socket, for what the CLI cannot express faithfully: container
 * creation from a full config (exec-form healthchecks, tmpfs/mount options) and archive uploads, the two
 * calls the Pulumi Docker provider itself makes. Plain node:http: no client library is installed here.
 */
import { request } from "node:http";
import { waitNotice } from "./progress";

export const DOCKER_SOCKET = process.env.DOCKER_SOCKET ?? "/var/run/docker.sock";
/** Docker 20.10 (Debian bookworm's docker.io) speaks API 1.41; newer engines accept it too. */
const API = "/v1.41";

export class DockerApiError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`Docker API ${method} ${path} answered ${status}: ${extractMessage(body)}`);
  }
}

function extractMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown };
    if (typeof parsed.message === "string") return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.trim().slice(0, 500);
}

export interface RawResponse {
  status: number;
  body: string;
  raw: Buffer;
}

export function dockerRequest(
  method: string,
  path: string,
  body?: Buffer | object,
  contentType = "application/json",
  timeoutMs = 60_000,
): Promise<RawResponse> {
  const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  // A call that takes longer than ~10 s (a start, a create on a busy engine) says so on stderr.
  const what = `the engine to answer ${method} ${path.replace(/\/containers\/([0-9a-f]{12})[0-9a-f]{52}/, "/containers/$1")}`;
  const notice = waitNotice(what, timeoutMs);
  const answered = new Promise<RawResponse>((resolve, reject) => {
    const req = request(
      {
        socketPath: DOCKER_SOCKET,
        method,
        path: `${API}${path}`,
        headers: payload
          ? { "Content-Type": contentType, "Content-Length": String(payload.length) }
          : undefined,
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const raw = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, body: raw.toString("utf8"), raw });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`Docker API ${method} ${path} timed out after ${timeoutMs} ms`)));
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
  return answered.then(
    (res) => {
      notice.stop(`${what}: ${res.status} after ${Math.floor(notice.elapsedMs() / 1000)} s`);
      return res;
    },
    (err: unknown) => {
      notice.stop(`${what}: failed after ${Math.floor(notice.elapsedMs() / 1000)} s`);
      throw err;
    },
  );
}

/** A call that must succeed (2xx); the error names the call and the engine's message. */
export async function dockerCall<T = unknown>(
  method: string,
  path: string,
  body?: Buffer | object,
  contentType?: string,
): Promise<T> {
  const res = await dockerRequest(method, path, body, contentType);
  if (res.status < 200 || res.status >= 300) throw new DockerApiError(method, path, res.status, res.body);
  return (res.body ? JSON.parse(res.body) : undefined) as T;
}

export async function createContainer(name: string, config: object): Promise<string> {
  const created = await dockerCall<{ Id: string; Warnings?: string[] }>(
    "POST",
    `/containers/create?name=${encodeURIComponent(name)}`,
    config,
  );
  return created.Id;
}

/** PUT /containers/{id}/archive: what `docker cp` and the provider's `uploads` use. */
export async function putArchive(id: string, destination: string, tar: Buffer): Promise<void> {
  await dockerCall("PUT", `/containers/${id}/archive?path=${encodeURIComponent(destination)}`, tar, "application/x-tar");
}

export async function startContainer(id: string): Promise<void> {
  await dockerCall("POST", `/containers/${id}/start`);
}

export interface ContainerState {
  Status: string;
  Running: boolean;
  ExitCode: number;
  Health?: { Status: string; Log?: { ExitCode: number; Output: string }[] };
}

export interface ContainerInspect {
  Id: string;
  Name: string;
  State: ContainerState;
  Config: Record<string, unknown>;
  HostConfig: Record<string, unknown> & {
    PortBindings?: Record<string, { HostIp: string; HostPort: string }[] | null>;
  };
  NetworkSettings: {
    Ports?: Record<string, { HostIp: string; HostPort: string }[] | null>;
    Networks?: Record<string, { IPAddress: string; Aliases?: string[] | null }>;
  };
  Mounts: { Type: string; Name?: string; Source: string; Destination: string; RW: boolean }[];
}

export function inspectContainer(id: string): Promise<ContainerInspect> {
  return dockerCall<ContainerInspect>("GET", `/containers/${id}/json`);
}

export async function removeContainer(id: string): Promise<void> {
  const res = await dockerRequest("DELETE", `/containers/${id}?force=true&v=true`);
  if (res.status !== 204 && res.status !== 404) throw new DockerApiError("DELETE", `/containers/${id}`, res.status, res.body);
}

export async function createNetwork(name: string, internal: boolean, subnet?: string): Promise<string> {
  const created = await dockerCall<{ Id: string }>("POST", "/networks/create", {
    Name: name,
    Driver: "bridge",
    Internal: internal,
    ...(subnet ? { IPAM: { Driver: "default", Config: [{ Subnet: subnet }] } } : {}),
    CheckDuplicate: true,
    Labels: { "rampart.test": "containers" },
  });
  return created.Id;
}

export async function removeNetwork(id: string): Promise<void> {
  const res = await dockerRequest("DELETE", `/networks/${id}`);
  if (res.status !== 204 && res.status !== 404) throw new DockerApiError("DELETE", `/networks/${id}`, res.status, res.body);
}

export async function createVolume(name: string): Promise<void> {
  await dockerCall("POST", "/volumes/create", { Name: name, Labels: { "rampart.test": "containers" } });
}

export async function removeVolume(name: string): Promise<void> {
  const res = await dockerRequest("DELETE", `/volumes/${encodeURIComponent(name)}?force=true`);
  if (res.status !== 204 && res.status !== 404) throw new DockerApiError("DELETE", `/volumes/${name}`, res.status, res.body);
}

export async function containerLogs(id: string, tail = 60): Promise<string> {
  const res = await dockerRequest("GET", `/containers/${id}/logs?stdout=true&stderr=true&tail=${tail}`);
  return demultiplex(res.raw);
}

/** A non-TTY log stream is framed: 1 byte stream type, 3 zero bytes, 4 bytes big-endian length, payload. */
export function demultiplex(raw: Buffer): string {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= raw.length) {
    const size = raw.readUInt32BE(offset + 4);
    parts.push(raw.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString("utf8").trim();
}
