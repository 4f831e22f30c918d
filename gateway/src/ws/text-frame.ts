/**
 * A room message reaches every member as the same bytes, so it is framed once with ws's own encoder
 * (server frames are never masked) and each member's socket gets those bytes as they are: one write per
 * member instead of ws framing it again (a header allocation and two writes) for each of them.
 *
 * Writing beside ws's sender is safe only because that sender never holds a frame back: with
 * permessage-deflate off (server.ts) and no Blob ever sent, ws writes each of its own frames to the
 * socket synchronously, so a frame written here can never land inside one of ws's.
 */
import * as ws from "ws";

interface FrameOptions {
  fin: boolean;
  rsv1: boolean;
  opcode: number;
  mask: boolean;
  readOnly: boolean;
}
// ws exports its encoder as `Sender`; @types/ws does not describe it.
const { Sender } = ws as unknown as { Sender: { frame(data: Buffer, options: FrameOptions): Buffer[] } };
const TEXT = 1;

/** The complete WebSocket text frame (header and payload) carrying `payload`. */
export function textFrame(payload: string): Buffer {
  return Buffer.concat(Sender.frame(Buffer.from(payload), { fin: true, rsv1: false, opcode: TEXT, mask: false, readOnly: false }));
}
