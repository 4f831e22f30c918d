import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signedDeviceRequest, type DeviceRequestInput } from "../../../gateway/src/device/client.js";

export const DEVICE_SECRET = "device-secret-0123456789-0123456789-abcdef";
export const BLOCKED_SECRET = "blocked-secret-0123456789-0123456789-abcd";

export function writeDevicesFile(devices: object = {
  "sensor-1": { secret: DEVICE_SECRET, status: "approved" },
  "sensor-ops": { secret: DEVICE_SECRET, status: "approved", rooms: ["ops"] },
  "sensor-blocked": { secret: BLOCKED_SECRET, status: "blocked" },
}): string {
  const dir = mkdtempSync(join(tmpdir(), "rampart-devices-"));
  const file = join(dir, "devices.json");
  writeFileSync(file, JSON.stringify(devices), { mode: 0o600 });
  return file;
}

export async function postDevice(baseUrl: string, input: Partial<DeviceRequestInput> & { room?: string; text?: string }, tamper: (r: ReturnType<typeof signedDeviceRequest>) => void = () => undefined) {
  const request = signedDeviceRequest({
    deviceId: input.deviceId ?? "sensor-1",
    secret: input.secret ?? DEVICE_SECRET,
    body: input.body ?? JSON.stringify({ room: input.room ?? "demo", text: input.text ?? "reading 42" }),
    ...(input.timestamp !== undefined ? { timestamp: input.timestamp } : {}),
    ...(input.nonce !== undefined ? { nonce: input.nonce } : {}),
  });
  tamper(request);
  const res = await fetch(new URL(request.path, baseUrl), { method: "POST", headers: request.headers, body: request.body });
  return { status: res.status, body: await res.text(), retryAfter: res.headers.get("retry-after"), request };
}
