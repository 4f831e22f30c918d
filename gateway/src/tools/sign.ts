/**
 * Sign a device request: `npm run -s sign -w gateway -- --device sensor-1 --room demo --text hello [--send http://127.0.0.1:8080]`.
 * The device secret comes from DEVICE_SECRET or DEVICE_SECRET_FILE (never a command-line argument,
 * which other users could read from the process list). Without --send it prints the request as JSON
 * (path, headers, body); with --send it posts it and prints the status and response. `--help` prints the usage.
 */
import { defineCommand } from "../cli.js";
import { readSecret } from "../config.js";
import { signedDeviceRequest } from "../device/client.js";
import { DEVICE_ID_PATTERN } from "../device/registry.js";
import { NONCE_PATTERN } from "../device/signature.js";

const command = defineCommand({
  name: "sign",
  summary: "build an HMAC-signed device request for POST /v1/devices/{device}/events; print it as JSON, or send it.",
  usage: "npm run -s sign -w gateway -- --device <id> (--room <room> --text <text> | --body <json>) [options]",
  options: {
    device: { value: "id", description: "device id, 1-64 of A-Za-z0-9_.- (required)" },
    room: { value: "room", description: "room of the event (with --text)" },
    text: { value: "text", description: "text of the event (with --room)" },
    body: { value: "json", description: "the exact body to sign, instead of --room/--text" },
    timestamp: { value: "unix seconds", description: "signed timestamp (default: now)" },
    nonce: { value: "nonce", description: "16-64 of A-Za-z0-9_- (default: random)" },
    send: { value: "base url", description: "post the request to this gateway (e.g. http://127.0.0.1:8080) and print the answer" },
  },
  sections: [{ title: "Environment", rows: [["DEVICE_SECRET[_FILE]", "the device's secret from DEVICES_FILE (required; never an argument)"]] }],
  examples: ["DEVICE_SECRET_FILE=./sensor-1.secret npm run -s sign -w gateway -- --device sensor-1 --room demo --text hello --send http://127.0.0.1:8080"],
});

const values = command.parse();
const deviceId = values.device || command.fail("--device is required: the id of the device in DEVICES_FILE");
if (!DEVICE_ID_PATTERN.test(deviceId)) command.fail(`--device must be 1-64 of A-Za-z0-9_.- (got ${JSON.stringify(deviceId)})`);
if (values.body !== undefined && (values.room !== undefined || values.text !== undefined)) {
  command.fail("give either --body or --room with --text, not both");
}
if (values.body === undefined && (!values.room || !values.text)) command.fail("--room and --text are required (or --body)");
if (values.timestamp !== undefined && !/^\d+$/.test(values.timestamp)) {
  command.fail(`--timestamp must be a whole number of Unix seconds (got ${JSON.stringify(values.timestamp)})`);
}
if (values.nonce !== undefined && !NONCE_PATTERN.test(values.nonce)) command.fail("--nonce must be 16-64 of A-Za-z0-9_-");
let target: URL | undefined;
if (values.send !== undefined) {
  target = URL.canParse(values.send) ? new URL(values.send) : undefined;
  if (target?.protocol !== "http:" && target?.protocol !== "https:") command.fail(`--send must be an http:// or https:// base URL (got ${JSON.stringify(values.send)})`);
}

const read = readSecret(process.env, "DEVICE_SECRET");
const secret = ("problem" in read ? command.fail(read.problem) : read.value) ?? command.fail("DEVICE_SECRET (or DEVICE_SECRET_FILE) must be set");
const request = signedDeviceRequest({
  deviceId,
  secret,
  body: values.body ?? JSON.stringify({ room: values.room, text: values.text }),
  ...(values.timestamp ? { timestamp: Number(values.timestamp) } : {}),
  ...(values.nonce ? { nonce: values.nonce } : {}),
});

if (!target) {
  process.stdout.write(`${JSON.stringify(request, null, 2)}\n`);
} else {
  const res = await fetch(new URL(request.path, target), { method: "POST", headers: request.headers, body: request.body });
  process.stdout.write(`${res.status} ${await res.text()}\n`);
  if (!res.ok) process.exitCode = 1;
}
