import { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { WriteCoalescer } from "../../gateway/src/ws/write-coalescer.js";

/** A socket stand-in that records how its data reached the "kernel": one entry per system call. */
class RecordingSocket extends Duplex {
  readonly calls: string[][] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.calls.push([chunk.toString()]);
    done();
  }
  override _writev(chunks: Array<{ chunk: Buffer }>, done: () => void): void {
    this.calls.push(chunks.map((c) => c.chunk.toString()));
    done();
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("WriteCoalescer", () => {
  it("without it, every frame is its own write", async () => {
    const socket = new RecordingSocket();
    for (const f of ["a", "b", "c"]) socket.write(f);
    await nextTurn();
    expect(socket.calls).toEqual([["a"], ["b"], ["c"]]);
  });

  it("sends all frames a socket gets in one turn in one write, once the turn is over", async () => {
    const writes = new WriteCoalescer();
    const socket = new RecordingSocket();
    for (const f of ["a", "b", "c"]) {
      writes.hold(socket);
      socket.write(f);
    }
    expect(socket.calls).toEqual([]);
    await nextTurn();
    expect(socket.calls).toEqual([["a", "b", "c"]]);
  });

  it("holds each socket once per turn and starts afresh in the next", async () => {
    const writes = new WriteCoalescer();
    const [x, y] = [new RecordingSocket(), new RecordingSocket()];
    writes.hold(x);
    x.write("x1");
    writes.hold(y);
    y.write("y1");
    writes.hold(x);
    x.write("x2");
    await nextTurn();
    writes.hold(x);
    x.write("x3");
    await nextTurn();
    expect(x.calls).toEqual([["x1", "x2"], ["x3"]]);
    expect(y.calls).toEqual([["y1"]]);
  });

  it("leaves a destroyed socket alone", async () => {
    const writes = new WriteCoalescer();
    const socket = new RecordingSocket();
    socket.destroy();
    expect(() => writes.hold(socket)).not.toThrow();
    await nextTurn();
    expect(socket.writableCorked).toBe(0);
  });
});
