/**
 * Sign a device request: `npm run sign -w gateway -- --device sensor-1 --room demo --text hello [--send http://127.0.0.1:8080]`.
 * The device secret comes from DEVICE_SECRET or DEVICE_SECRET_FILE (never a command-line argument,
 * which other users could read from the process list). Without --send it prints the request as JSON
 * (path, headers, body); with --send it posts it and prints the status and response.
 */
import { parseArgs } from "node:util";
import { signedDeviceRequest } from "../device/client.js";
import { fail, secretFromEnv } from "./secret-env.js";

const { values } = parseArgs({
  options: {
    device: { type: "string" },
    room: { type: "string" },
    text: { type: "string" },
    body: { type: "string" },
    timestamp: { type: "string" },
    nonce: { type: "string" },
    send: { type: "string" },
  },
});

if (!values.device || (!values.body && (!values.room || !values.text))) {
  fail("usage: sign --device <id> (--room <room> --text <text> | --body <json>) [--timestamp s] [--nonce n] [--send <base url>]");
}
const secret = secretFromEnv("DEVICE_SECRET") ?? fail("DEVICE_SECRET (or DEVICE_SECRET_FILE) must be set");
const request = signedDeviceRequest({
  deviceId: values.device,
  secret,
  body: values.body ?? JSON.stringify({ room: values.room, text: values.text }),
  ...(values.timestamp ? { timestamp: Number(values.timestamp) } : {}),
  ...(values.nonce ? { nonce: values.nonce } : {}),
});

if (!values.send) {
  process.stdout.write(`${JSON.stringify(request, null, 2)}\n`);
} else {
  const res = await fetch(new URL(request.path, values.send), { method: "POST", headers: request.headers, body: request.body });
  process.stdout.write(`${res.status} ${await res.text()}\n`);
  if (!res.ok) process.exitCode = 1;
}
