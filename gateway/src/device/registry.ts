/**
 * Devices from DEVICES_FILE (JSON: deviceId -> {secret, status: approved|blocked, rooms?}). The file is
 * re-read when it changes, so blocking a device takes effect without a restart; a broken edit keeps
 * the last good list and is logged.
 */
import { readFileSync, statSync, unwatchFile, watchFile } from "node:fs";
import { z } from "zod";
import type { GatewayLog } from "../log.js";
import { describeIssues, issueMessage } from "../zod-messages.js";

export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

const deviceSchema = z.strictObject({
  secret: z.string().min(32, "secret must be at least 32 characters"),
  status: z.enum(["approved", "blocked"]),
  /** Rooms the device may post to; all rooms when absent. */
  rooms: z.array(z.string().min(1).max(128)).optional(),
});

const devicesSchema = z.record(z.string().regex(DEVICE_ID_PATTERN, "device ids are 1-64 of [A-Za-z0-9_.-]"), deviceSchema);

export type Device = z.infer<typeof deviceSchema>;

export interface DeviceRegistry {
  /** The approved device, or undefined when unknown or blocked. */
  approved(deviceId: string): Device | undefined;
  close(): void;
}

export function parseDevices(text: string, source: string): Map<string, Device> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`DEVICES_FILE ${source}: not valid JSON`);
  }
  const parsed = devicesSchema.safeParse(json, { error: issueMessage });
  if (!parsed.success) {
    throw new Error(`DEVICES_FILE ${source}: ${describeIssues(parsed.error).join("; ")}`);
  }
  return new Map(Object.entries(parsed.data));
}

export function loadDeviceRegistry(file: string | undefined, log: GatewayLog): DeviceRegistry {
  if (!file) return { approved: () => undefined, close: () => undefined };
  let devices = parseDevices(readFileSync(file, "utf8"), file);
  const reload = () => {
    try {
      statSync(file);
      devices = parseDevices(readFileSync(file, "utf8"), file);
      log.info("devices reloaded", { count: devices.size });
    } catch (err) {
      log.error("devices file reload failed; keeping the previous list", { error: (err as Error).message });
    }
  };
  watchFile(file, { interval: 1000, persistent: false }, reload);
  return {
    approved(deviceId) {
      const device = devices.get(deviceId);
      return device?.status === "approved" ? device : undefined;
    },
    close: () => unwatchFile(file, reload),
  };
}
