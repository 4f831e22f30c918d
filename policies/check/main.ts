/**
 * Entry point of `npm run policy:check` (compiled to dist/check/main.js). Node's compile cache keeps the
 * V8 code of every module it loads between runs, so a check starts without compiling the checker, its
 * rules and their libraries again; it is turned on before any of them is required.
 */
import { enableCompileCache } from "node:module";

enableCompileCache?.();
// Required only now, after the cache is on (an import would be hoisted above it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { main } = require("./cli") as typeof import("./cli");
process.exitCode = main(process.argv.slice(2));
