// The package's ESM build: one file, no imports (the platform's WebSocket is the only runtime need).
// Declarations come from tsc (tsconfig.build.json).
import { build } from "esbuild";

export const options = {
  entryPoints: [new URL("../src/index.ts", import.meta.url).pathname],
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  legalComments: "none",
};

if (import.meta.url === `file://${process.argv[1]}`) {
  await build({ ...options, outfile: new URL("../dist/index.js", import.meta.url).pathname, logLevel: "warning" });
}
