/**
 * SPOP frames (HAProxy's SPOE.txt §3.2): a 4-byte length, then the type,
 * 4 bytes of flags, the stream and frame ids as varints, and a payload — a
 * KV list (HELLO, DISCONNECT), a list of messages (NOTIFY) or a list of
 * actions (ACK). `FrameSplitter` cuts a TCP byte stream into frames.
 */
import { SpopDecodeError, SpopReader, SpopWriter, type SpopValue } from './spop-data.js';

export const FRAME_TYPE = Object.freeze({ UNSET: 0, HAPROXY_HELLO: 1, HAPROXY_DISCONNECT: 2, NOTIFY: 3, AGENT_HELLO: 101, AGENT_DISCONNECT: 102, ACK: 103 });

export const FLAG_FIN = 0x1;
export const FLAG_ABORT = 0x2;

/** SPOP status codes (SPOE.txt §3.5) the agent sends or reads. */
export const SPOP_STATUS = Object.freeze({ NORMAL: 0, IO: 1, TIMEOUT: 2, TOO_BIG: 3, INVALID: 4, NO_VERSION: 5, NO_FRAME_SIZE: 6, NO_CAPABILITIES: 7, BAD_VERSION: 8, BAD_FRAME_SIZE: 9, FRAGMENTATION: 10, INTERLACED: 11, UNKNOWN: 99 });

/** Variable scopes of set-var / unset-var. */
export const VAR_SCOPE = Object.freeze({ proc: 0, sess: 1, txn: 2, req: 3, res: 4 });
export type VarScope = keyof typeof VAR_SCOPE;

const ACTION_SET_VAR = 1;
const ACTION_UNSET_VAR = 2;

/** The smallest frame size a peer may announce. */
export const MIN_FRAME_SIZE = 256;

export interface SpopArg {
  /** Empty for an unnamed argument. */
  name: string;
  value: SpopValue;
}

export interface SpopMessage {
  name: string;
  args: SpopArg[];
}

export type SpopAction = { type: 'set-var'; scope: VarScope; name: string; value: SpopValue } | { type: 'unset-var'; scope: VarScope; name: string };

/** A frame as read off the wire, its payload decoded by type. */
export type SpopFrame =
  | { type: typeof FRAME_TYPE.HAPROXY_HELLO | typeof FRAME_TYPE.HAPROXY_DISCONNECT | typeof FRAME_TYPE.AGENT_HELLO | typeof FRAME_TYPE.AGENT_DISCONNECT; flags: number; streamId: number; frameId: number; kv: Map<string, SpopValue> }
  | { type: typeof FRAME_TYPE.NOTIFY; flags: number; streamId: number; frameId: number; messages: SpopMessage[] }
  | { type: typeof FRAME_TYPE.ACK; flags: number; streamId: number; frameId: number; actions: SpopAction[] }
  /** A type this agent does not know (skipped, SPOE.txt §3.2.2), or a fragment (type 0). */
  | { type: number; flags: number; streamId: number; frameId: number; payload: Uint8Array };

/** Decodes one frame (without its 4-byte length) from `buf[start, end)`. */
export function decodeFrame(buf: Uint8Array, start: number, end: number): SpopFrame {
  const r = new SpopReader(buf, start, end);
  const type = r.byte();
  const flags = ((r.byte() << 24) | (r.byte() << 16) | (r.byte() << 8) | r.byte()) >>> 0;
  const streamId = r.varint();
  const frameId = r.varint();
  switch (type) {
    case FRAME_TYPE.HAPROXY_HELLO:
    case FRAME_TYPE.HAPROXY_DISCONNECT:
    case FRAME_TYPE.AGENT_HELLO:
    case FRAME_TYPE.AGENT_DISCONNECT:
      return { type, flags, streamId, frameId, kv: readKvList(r) };
    case FRAME_TYPE.NOTIFY:
      return { type, flags, streamId, frameId, messages: readMessages(r) };
    case FRAME_TYPE.ACK:
      return { type, flags, streamId, frameId, actions: readActions(r) };
    default:
      return { type, flags, streamId, frameId, payload: buf.subarray(r.pos, end) };
  }
}

function readKvList(r: SpopReader): Map<string, SpopValue> {
  const kv = new Map<string, SpopValue>();
  while (!r.done) {
    const name = r.name();
    kv.set(name, r.value());
  }
  return kv;
}

function readMessages(r: SpopReader): SpopMessage[] {
  const messages: SpopMessage[] = [];
  while (!r.done) {
    const name = r.name();
    const count = r.byte();
    const args: SpopArg[] = [];
    for (let i = 0; i < count; i++) {
      const argName = r.name();
      args.push({ name: argName, value: r.value() });
    }
    messages.push({ name, args });
  }
  return messages;
}

function scopeName(code: number): VarScope {
  const found = (Object.keys(VAR_SCOPE) as VarScope[]).find((k) => VAR_SCOPE[k] === code);
  if (found === undefined) throw new SpopDecodeError(`unknown variable scope ${code}`);
  return found;
}

function readActions(r: SpopReader): SpopAction[] {
  const actions: SpopAction[] = [];
  while (!r.done) {
    const type = r.byte();
    const count = r.byte();
    if (type === ACTION_SET_VAR && count === 3) {
      const scope = scopeName(r.byte());
      const name = r.name();
      actions.push({ type: 'set-var', scope, name, value: r.value() });
    } else if (type === ACTION_UNSET_VAR && count === 2) {
      const scope = scopeName(r.byte());
      actions.push({ type: 'unset-var', scope, name: r.name() });
    } else throw new SpopDecodeError(`unknown action ${type} with ${count} arguments`);
  }
  return actions;
}

/** Writes the frame header (length patched by `endFrame`). */
function beginFrame(w: SpopWriter, type: number, flags: number, streamId: number, frameId: number): void {
  w.uint32(0);
  w.byte(type);
  w.uint32(flags);
  w.varint(streamId);
  w.varint(frameId);
}

function endFrame(w: SpopWriter): Buffer {
  w.patchUint32(0, w.pos - 4);
  return w.finish();
}

/** A KV-list frame (the HELLOs and DISCONNECTs), stream and frame id 0. */
export function encodeKvFrame(type: number, kv: Iterable<readonly [string, SpopValue]>): Buffer {
  const w = new SpopWriter();
  beginFrame(w, type, FLAG_FIN, 0, 0);
  for (const [name, value] of kv) {
    w.name(name);
    w.value(value);
  }
  return endFrame(w);
}

/** A NOTIFY frame (what HAProxy sends: the tests' stand-in for it). */
export function encodeNotify(streamId: number, frameId: number, messages: readonly SpopMessage[], flags = FLAG_FIN): Buffer {
  const w = new SpopWriter();
  beginFrame(w, FRAME_TYPE.NOTIFY, flags, streamId, frameId);
  for (const message of messages) {
    w.name(message.name);
    if (message.args.length > 255) throw new RangeError('a message carries at most 255 arguments');
    w.byte(message.args.length);
    for (const arg of message.args) {
      w.name(arg.name);
      w.value(arg.value);
    }
  }
  return endFrame(w);
}

/** The ACK of NOTIFY `streamId`/`frameId`, with its actions. */
export function encodeAck(streamId: number, frameId: number, actions: readonly SpopAction[]): Buffer {
  const w = new SpopWriter(64 + actions.length * 32);
  beginFrame(w, FRAME_TYPE.ACK, FLAG_FIN, streamId, frameId);
  for (const action of actions) {
    w.byte(action.type === 'set-var' ? ACTION_SET_VAR : ACTION_UNSET_VAR);
    w.byte(action.type === 'set-var' ? 3 : 2);
    w.byte(VAR_SCOPE[action.scope]);
    w.name(action.name);
    if (action.type === 'set-var') w.value(action.value);
  }
  return endFrame(w);
}

/** A frame longer than the size agreed at HELLO: the connection ends with status 3. */
export class SpopFrameTooBig extends Error {
  override readonly name = 'SpopFrameTooBig';
}

/**
 * Cuts a byte stream into frames: `push` a chunk, get back the complete
 * frames' byte ranges (views into the chunk when a frame lies within one,
 * copies when it spans chunks). A length over `maxFrameSize` throws before
 * anything is buffered for it.
 */
export class FrameSplitter {
  maxFrameSize: number;
  #pending: Buffer | undefined;

  constructor(maxFrameSize: number) {
    this.maxFrameSize = maxFrameSize;
  }

  /** Bytes held for a frame not yet complete. */
  get buffered(): number {
    return this.#pending?.length ?? 0;
  }

  push(chunk: Buffer): Buffer[] {
    const data = this.#pending === undefined ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = undefined;
    const frames: Buffer[] = [];
    let at = 0;
    while (data.length - at >= 4) {
      const length = data.readUInt32BE(at);
      if (length > this.maxFrameSize) throw new SpopFrameTooBig(`a frame of ${length} bytes, over the ${this.maxFrameSize} agreed`);
      if (data.length - at - 4 < length) break;
      frames.push(data.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    // What is left is copied: the chunk it lies in is not kept alive.
    if (at < data.length) this.#pending = Buffer.from(data.subarray(at));
    return frames;
  }
}
