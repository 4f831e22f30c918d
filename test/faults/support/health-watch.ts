/** Polls a gateway's /healthz throughout a fault, recording every answer and how long it took (a hang shows). */

export interface HealthSample {
  readonly at: number;
  /** HTTP status, 0 when the request failed or took longer than the timeout. */
  readonly status: number;
  /** The body's `status` (`ok`, `degraded`), or "" without one. */
  readonly state: string;
  readonly tookMs: number;
}

export function watchHealth(baseUrl: string, everyMs = 100, timeoutMs = 3000, maxSamples = 2000): { samples: HealthSample[]; stop(): Promise<void> } {
  const samples: HealthSample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped && samples.length < maxSamples) {
      const started = performance.now();
      let status = 0;
      let state = "";
      try {
        const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
        status = res.status;
        state = ((await res.json()) as { status?: string }).status ?? "";
      } catch {
        status = 0;
      }
      samples.push({ at: started, status, state, tookMs: performance.now() - started });
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    samples,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}
