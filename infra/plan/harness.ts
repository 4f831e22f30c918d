import * as pulumi from "@pulumi/pulumi";
import { maskWireValue, tapRegistrations, type DeclaredResource } from "./capture";
import { planMocks, type MockOptions } from "./mocks";

export type { DeclaredResource } from "./capture";
export type { MockAnswer } from "./mocks";

export interface HarnessOptions extends MockOptions {
  /** The stack the program sees (and its URNs name). */
  stack: string;
  /** Fully qualified key ("rampart:target") → the string the engine would hand over. */
  config?: Record<string, string>;
  /** Keys of `config` whose values are secret. */
  secretKeys?: readonly string[];
  /** Run as `pulumi preview` (outputs the mocks do not give stay unknown) rather than as `pulumi up`. */
  preview?: boolean;
}

/** A Pulumi program: what it returns becomes the stack's outputs. */
export type Program = () => Promise<Record<string, unknown> | void>;

const PROJECT = "rampart";

/** Mocks that also report what they refuse: a refused registration otherwise fails only outputs nobody may read. */
function reporting(mocks: pulumi.runtime.Mocks, failures: unknown[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      try {
        return mocks.newResource(args);
      } catch (e) {
        failures.push(e);
        throw e;
      }
    },
    call: (args) => mocks.call(args),
  };
}

/**
 * Runs `program` as a stack under Pulumi's mock runtime (the offline plan's mocks) and returns every
 * resource it registered, with the outputs the monitor answered. Pulumi's runtime is process-global:
 * runs must not overlap.
 *
 * It settles the way Pulumi's own inline-program host does (automation's LanguageServer.run):
 * `runInPulumiStack` resolves once the program and its stack outputs have, then `disconnect` waits for
 * Pulumi's RPC queue (rpcKeepAlive) to drain, which includes every registration an apply starts while
 * others complete.
 */
export async function runUnderMocks(program: Program, options: HarnessOptions): Promise<DeclaredResource[]> {
  return (await runStackUnderMocks(program, options)).resources;
}

export interface DeclaredStack {
  resources: DeclaredResource[];
  /** The stack's outputs as `pulumi preview` would show them: plain JSON, secrets "[secret]", unknowns "[unknown]". */
  outputs: Record<string, unknown>;
}

/** `runUnderMocks`, also returning the stack outputs the program resolved to. */
export async function runStackUnderMocks(program: Program, options: HarnessOptions): Promise<DeclaredStack> {
  // Resources declared outside a run (a test checking that a constructor refuses) may still have RPCs in
  // flight: they must reach the monitor they started with, which knows their URNs.
  await pulumi.runtime.disconnect();
  pulumi.runtime.setAllConfig(options.config ?? {}, [...(options.secretKeys ?? [])]);
  const failures: unknown[] = [];
  await pulumi.runtime.setMocks(reporting(planMocks(options), failures), PROJECT, options.stack, options.preview ?? false);
  const tap = tapRegistrations();

  // Errors raised inside an apply surface as rejections the engine would report as a failed deployment.
  const onRejection = (e: unknown) => failures.push(e);
  process.on("unhandledRejection", onRejection);
  let resources: DeclaredResource[] = [];
  let outputs: Record<string, unknown> = {};
  try {
    // A program that throws fails the run, not the stack: a failed stack leaves its outputs' promises
    // rejected with nobody to handle them.
    // The program's own value, not runInPulumiStack's: that one is resolved to plain values, secrets unwrapped.
    let returned: Record<string, unknown> | undefined;
    await pulumi.runtime.runInPulumiStack(async () => {
      try {
        returned = (await program()) ?? undefined;
        return returned;
      } catch (e) {
        failures.unshift(e);
        return undefined;
      }
    });
    // Serialized as the engine receives them, so secrets and unknowns keep their wire markers to mask.
    const stackOutputs: Record<string, unknown> | undefined = returned;
    if (stackOutputs) outputs = maskWireValue(await pulumi.runtime.serializeProperties("outputs", stackOutputs)) as Record<string, unknown>;
    await pulumi.runtime.disconnect();
    // Node reports unhandled rejections only once no microtask is left: one turn of the event loop lets
    // it report this run's while we listen.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("unhandledRejection", onRejection);
    resources = tap.stop();
  }
  if (failures.length) throw failures[0];
  return { resources, outputs };
}
