/**
 * Fan-out writes one frame per member per message; under load that is one system call per frame. The
 * coalescer corks a socket at its first frame of an event-loop turn and uncorks it once the turn's
 * work is done (setImmediate), so all frames a member gets in that turn leave in one writev. Latency
 * added: at most the rest of the current turn.
 */
import type { Duplex } from "node:stream";

export class WriteCoalescer {
  private readonly corked = new Set<Duplex>();
  private scheduled = false;

  /** Call before writing to `socket`; it is uncorked after the current turn. */
  hold(socket: Duplex): void {
    if (this.corked.has(socket) || socket.destroyed) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.release);
    }
  }

  private readonly release = (): void => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
