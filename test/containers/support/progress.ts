/**
 * What the container suite is waiting for, on stderr while it waits: health checks, long `docker exec`s and
 * slow Engine API calls print `containers: waiting for … (20 s of 120 s)` every
 * CONTAINERS_PROGRESS_SECONDS (10) seconds. Plain lines written straight to stderr (vitest passes a
 * worker's stderr through as it comes), never read by an assertion: the prints change no wait and no
 * timeout.
 */

function intervalMs(): number {
  const s = Number(process.env.CONTAINERS_PROGRESS_SECONDS ?? "10");
  return Number.isFinite(s) && s > 0 ? s * 1000 : 10_000;
}

/** One line on stderr, prefixed `containers: `. */
export function note(line: string): void {
  process.stderr.write(`containers: ${line}\n`);
}

/** Whole seconds, for the progress lines. */
export function seconds(ms: number): string {
  return `${Math.floor(ms / 1000)} s`;
}

/** Collapses whitespace and cuts a health-check output or log line to something one line can hold. */
export function oneLine(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface WaitNotice {
  /** Milliseconds since the wait began. */
  elapsedMs(): number;
  /** True once a progress line was printed: a wait worth closing with a line of its own. */
  readonly announced: boolean;
  /**
   * Stops the progress lines; `outcome` is printed ("… healthy after 34 s") only when some were printed.
   * Only the first call counts.
   */
  stop(outcome?: string): void;
}

/**
 * Starts printing `waiting for <what> (<n> s of <timeout> s)[; <detail()>]` every interval until `stop()`.
 * Nothing is printed for a wait that ends within the first interval.
 */
export function waitNotice(what: string, timeoutMs: number | undefined, detail?: () => string | undefined): WaitNotice {
  const started = Date.now();
  let announced = false;
  let stopped = false;
  const timer = setInterval(() => {
    announced = true;
    const elapsed = Date.now() - started;
    const of = timeoutMs === undefined ? "" : ` of ${seconds(timeoutMs)}`;
    let extra: string | undefined;
    try {
      extra = detail?.();
    } catch {
      extra = undefined;
    }
    note(`waiting for ${what} (${seconds(elapsed)}${of})${extra ? `; ${extra}` : ""}`);
  }, intervalMs());
  timer.unref();
  return {
    elapsedMs: () => Date.now() - started,
    get announced() {
      return announced;
    },
    stop(outcome?: string) {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      if (announced && outcome) note(outcome);
    },
  };
}
