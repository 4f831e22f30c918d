/**
 * How files get into a read-only container, measured on the engine. The Pulumi Docker provider uploads
 * each `uploads` entry as a tar extracted at "/" before the container starts (kreuzwerker
 * terraform-provider-docker, resource_docker_container_funcs.go: `dstPath := "/"` then CopyToContainer).
 * The engine decides by that destination, not by where the file lands: "/" is not on a volume, so a
 * read-only container refuses it even when the file's directory is a writable volume. A container with a
 * writable root that mounts the same volume and is never started can carry the files in.
 */
import { afterAll, expect, it } from "vitest";
import { createContainer, putArchive, removeContainer, startContainer, inspectContainer, containerLogs } from "./support/docker-api";
import { EngineRun, uploadTar } from "./support/engine";
import { describeWithEngine, LOCAL_IMAGES } from "./support/engine-gate";
import { prove, summary } from "./support/summary";

const describeEngine = describeWithEngine([LOCAL_IMAGES.base]);

describeEngine("uploads into a read-only container", () => {
  const engine = new EngineRun("uploads");
  const created: string[] = [];
  const file = { file: "/run/secrets/probe", content: Buffer.from("seeded\n"), mode: 0o400, uid: 999, gid: 999 };

  afterAll(async () => {
    for (const id of created) await removeContainer(id);
    const leftovers = await engine.cleanup();
    console.log(summary("Upload paths measured on the engine:"));
    if (leftovers.length > 0) throw new Error(`cleanup left: ${leftovers.join("; ")}`);
  });

  const container = async (part: string, readOnly: boolean, volume: string, cmd: string[]) => {
    const id = await createContainer(engine.name(part), {
      Image: LOCAL_IMAGES.base,
      User: "999:999",
      Cmd: cmd,
      Labels: { "rampart.test": "containers" },
      HostConfig: { NetworkMode: "none", ReadonlyRootfs: readOnly, Mounts: [{ Type: "volume", Source: volume, Target: "/run/secrets" }] },
    });
    created.push(id);
    return id;
  };

  it("the provider's upload (tar at \"/\") is refused by a read-only container even when the file's directory is a volume", async () => {
    const volume = await engine.volume(engine.volumeName("refused"));
    const id = await container("readonly", true, volume, ["cat", "/run/secrets/probe"]);
    await expect(putArchive(id, "/", await uploadTar(file))).rejects.toThrow(/read-only/);
    // The same file, addressed to its directory, is accepted: the engine checks the destination only.
    await expect(putArchive(id, "/run/secrets", await uploadTar({ ...file, file: "/probe" }))).resolves.toBeUndefined();
    prove("engine", "PUT archive at \"/\" into a read-only container: refused (\"container rootfs is marked read-only\"), even for a file on a volume");
  });

  it("a never-started helper with a writable root seeds the shared volume, and the read-only service reads the file", async () => {
    const volume = await engine.volume(engine.volumeName("seeded"));
    const seeder = await container("seeder", false, volume, ["true"]);
    await putArchive(seeder, "/", await uploadTar(file));
    const reader = await container("reader", true, volume, ["sh", "-c", "stat -c '%a %u %g' /run/secrets/probe && cat /run/secrets/probe"]);
    await startContainer(reader);
    for (let i = 0; i < 50 && (await inspectContainer(reader)).State.Running; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await inspectContainer(reader)).State.ExitCode).toBe(0);
    expect(await containerLogs(reader)).toBe("400 999 999\nseeded");
    prove("engine", "a never-started writable helper mounting the volume receives the provider-style upload; the read-only service reads it (0400, owner kept)");
  });
});
