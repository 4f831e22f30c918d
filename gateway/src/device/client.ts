/** Building signed device requests: used by the `sign` tool, by tests and by device integrations. */
import { randomBytes } from "node:crypto";
import { deviceEventsPath } from "@rampart/catalogue";
import { sign } from "./signature.js";

export interface DeviceRequestInput {
  readonly deviceId: string;
  readonly secret: string;
  readonly body: string;
  readonly timestamp?: number;
  readonly nonce?: string;
}

export interface SignedDeviceRequest {
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export function signedDeviceRequest(input: DeviceRequestInput): SignedDeviceRequest {
  const path = deviceEventsPath(input.deviceId);
  const timestamp = String(input.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = input.nonce ?? randomBytes(18).toString("base64url");
  const signature = sign(input.secret, { timestamp, nonce, method: "POST", path, body: Buffer.from(input.body) });
  return {
    path,
    body: input.body,
    headers: {
      "Content-Type": "application/json",
      "X-Rampart-Timestamp": timestamp,
      "X-Rampart-Nonce": nonce,
      "X-Rampart-Signature": signature,
    },
  };
}
