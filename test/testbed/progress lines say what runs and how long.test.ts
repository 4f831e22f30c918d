import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/**
 * scripts/testbed/lib/progress.sh: the testbed scripts run their long steps (apt-get, debootstrap, docker
 * build) through `with_progress`, which says what starts, prints a heartbeat while it runs, how long it
 * took, and on failure the log's tail and the command's own exit status. Run here in bash under the
 * scripts' `set -euo pipefail`, with a 1 s heartbeat.
 */
const LIB = join(__dirname, "../../scripts/testbed/lib/progress.sh");
const scratch = mkdtempSync(join(tmpdir(), "rampart-progress-test-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function bash(script: string, env: Record<string, string> = {}) {
  const r = spawnSync("bash", ["-c", `set -euo pipefail\nsource "${LIB}"\n${script}`], {
    encoding: "utf8",
    env: { ...process.env, TESTBED_HEARTBEAT_SECONDS: "1", ...env },
    timeout: 20_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("with_progress", () => {
  it("prints the start line with its log, heartbeats with the elapsed time while the command runs, and the duration", () => {
    const log = join(scratch, "sleep.log");
    const r = bash(`progress_total 6; progress_step; progress_step
with_progress --log "${log}" "\${PROGRESS_TAG}building rampart-test/coturn:bookworm" bash -c 'echo "Step 1/2 : FROM base"; sleep 3; echo finished'
echo after`);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toBe(`testbed: [2/6] building rampart-test/coturn:bookworm … (log ${log})`);
    const beats = lines.filter((l) => l.includes("still running"));
    expect(beats.length).toBeGreaterThanOrEqual(1);
    for (const b of beats) {
      expect(b).toMatch(/^testbed: \[2\/6\] building rampart-test\/coturn:bookworm … still running \(\d+ s\)(: Step 1\/2 : FROM base)?$/);
    }
    expect(lines.at(-2)).toMatch(/^testbed: \[2\/6\] building rampart-test\/coturn:bookworm … done in \d+ s$/);
    expect(Number(/done in (\d+) s/.exec(lines.at(-2)!)![1])).toBeGreaterThanOrEqual(2);
    expect(lines.at(-1)).toBe("after");
    // The command's own output goes to the log, not the terminal.
    expect(r.stdout).not.toContain("finished");
    expect(readFileSync(log, "utf8")).toBe("Step 1/2 : FROM base\nfinished\n");
    // Plain lines: no carriage-return redraws, no escape sequences.
    expect(r.stdout).not.toContain("\r");
    expect(r.stdout).not.toContain("\u001b");
  });

  it("shows the last log line matching --hint in the heartbeat", () => {
    const r = bash(`with_progress --hint '^Step [0-9]+/[0-9]+ :' "building" bash -c 'echo "Step 3/5 : RUN make"; echo " ---> Running in abc"; sleep 2.5'`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^testbed: building … still running \(\d+ s\): Step 3\/5 : RUN make$/m);
  });

  it("on failure prints the last 40 lines of the log to stderr and stops the script with the command's exit status", () => {
    const log = join(scratch, "fail.log");
    const r = bash(`with_progress --log "${log}" "[3/6] apt-get install" bash -c 'for i in $(seq 1 60); do echo "log line $i"; done; exit 7'
echo "not reached"`);
    expect(r.status).toBe(7);
    expect(r.stdout).toContain("testbed: [3/6] apt-get install … (log");
    expect(r.stdout).not.toContain("done in");
    expect(r.stdout).not.toContain("not reached");
    expect(r.stderr).toMatch(/^testbed: \[3\/6\] apt-get install … FAILED \(exit 7\) after \d+ s$/m);
    expect(r.stderr).toContain(`last 40 lines of ${log}:`);
    const tail = r.stderr.split("\n").filter((l) => l.startsWith("log line "));
    expect(tail).toEqual(Array.from({ length: 40 }, (_, i) => `log line ${i + 21}`));
  });

  it("lets a caller that handles the failure itself go on, with the status in hand", () => {
    const r = bash(`with_progress "probe" false || echo "status $?"`);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("status 1");
  });

  it("leaves no heartbeat behind: nothing is printed after the done line", () => {
    const r = bash(`with_progress "quick" true; sleep 2.5; echo end`);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trimEnd().split("\n")).toEqual([
      expect.stringMatching(/^testbed: quick … \(log \/tmp\/rampart-testbed\..+\.log\)$/),
      expect.stringMatching(/^testbed: quick … done in \d+ s$/),
      "end",
    ]);
  });
});
