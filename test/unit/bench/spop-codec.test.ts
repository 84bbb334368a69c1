/**
 * The SPOP codec and agent server of the gateway bench's SPOE prototype
 * (bench/gateway/spoe): varints and typed data as HAProxy encodes them,
 * frames cut from a byte stream however it is split, hostile bytes refused
 * with a decode error (never a crash, never a read past the frame), and the
 * server's handshake, pipelined ACKs and disconnects over a real socket.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createConnection, type Socket } from 'node:net';
import fc from 'fast-check';
import { SpopAddress, SpopDecodeError, SpopReader, SpopWriter, type SpopValue } from '../../../bench/gateway/spoe/spop-data.js';
import { decodeFrame, encodeAck, encodeKvFrame, encodeNotify, FLAG_FIN, FRAME_TYPE, FrameSplitter, SPOP_STATUS, SpopFrameTooBig, type SpopAction, type SpopFrame, type SpopMessage } from '../../../bench/gateway/spoe/spop-frame.js';
import { startSpopServer } from '../../../bench/gateway/spoe/spop-server.js';

const TWO_64 = 1n << 64n;

function varintBytes(value: number | bigint): number[] {
  const w = new SpopWriter(4);
  w.varint(value);
  return [...w.finish()];
}

function readVarint(bytes: number[]): number | bigint {
  return new SpopReader(Uint8Array.from(bytes), 0, bytes.length).varintAny();
}

/** A bigint as the reader gives it back: a number when it is a safe integer. */
function normal(value: SpopValue): SpopValue {
  if (typeof value === 'bigint' && value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return value;
}

function roundTrip(value: SpopValue): SpopValue {
  const w = new SpopWriter(1);
  w.value(value);
  const bytes = w.finish();
  const r = new SpopReader(bytes, 0, bytes.length);
  const back = r.value();
  assert.ok(r.done, 'every byte read');
  return back;
}

const spopValue: fc.Arbitrary<SpopValue> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -0x80000000, max: 0x7fffffff }),
  fc.integer({ min: 0, max: 0xffffffff }),
  fc.maxSafeInteger(),
  fc.bigInt({ min: -(1n << 63n), max: TWO_64 - 1n }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ minLength: 4, maxLength: 4 }).map((b) => new SpopAddress(b)),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => new SpopAddress(b)),
);

const name = fc.string({ maxLength: 20 });
const message: fc.Arbitrary<SpopMessage> = fc.record({ name, args: fc.array(fc.record({ name, value: spopValue }), { maxLength: 8 }) });

function comparable(value: SpopValue): unknown {
  if (value instanceof SpopAddress) return { address: [...value.bytes] };
  if (value instanceof Uint8Array) return { bytes: [...value] };
  return normal(value);
}

function comparableMessages(messages: readonly SpopMessage[]): unknown {
  return messages.map((m) => ({ name: m.name, args: m.args.map((a) => ({ name: a.name, value: comparable(a.value) })) }));
}

describe('SPOP varints', () => {
  test('encode as HAProxy does, at the edges of each length', () => {
    assert.deepEqual(varintBytes(0), [0]);
    assert.deepEqual(varintBytes(239), [239]);
    assert.deepEqual(varintBytes(240), [0xf0, 0x00]);
    assert.deepEqual(varintBytes(2287), [0xff, 0x7f]);
    assert.deepEqual(varintBytes(2288), [0xf0, 0x80, 0x00]);
    assert.deepEqual(varintBytes(264431), [0xff, 0xff, 0x7f]);
    assert.deepEqual(varintBytes(264432), [0xf0, 0x80, 0x80, 0x00]);
    assert.equal(varintBytes(TWO_64 - 1n).length, 10);
  });

  test('round-trip every value in [0, 2^64), numbers and bigints alike, in as many bytes as the spec gives its range', () => {
    const bounds = [240n, 2288n, 264432n, 33818864n, 4328786160n];
    fc.assert(
      fc.property(fc.oneof(fc.bigInt({ min: 0n, max: TWO_64 - 1n }), fc.bigInt({ min: 0n, max: 5_000_000_000n })), (value) => {
        const bytes = varintBytes(value);
        assert.equal(readVarint(bytes), normal(value));
        const expected = bounds.findIndex((b) => value < b);
        if (expected >= 0) assert.equal(bytes.length, expected + 1);
        if (value <= BigInt(Number.MAX_SAFE_INTEGER)) assert.deepEqual(varintBytes(Number(value)), bytes);
      }),
    );
  });

  test('refuse a varint cut short, longer than 10 bytes, or past 64 bits', () => {
    assert.throws(() => readVarint([0xf0]), SpopDecodeError);
    assert.throws(() => readVarint([0xf0, 0x80]), SpopDecodeError);
    assert.throws(() => readVarint([0xff, ...Array(10).fill(0xff), 0x00]), SpopDecodeError);
    // Ten bytes whose value reaches 2^67: more than a 64-bit field holds.
    assert.throws(() => readVarint([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), SpopDecodeError);
    assert.throws(() => new SpopReader(Uint8Array.from(varintBytes(TWO_64 - 1n)), 0, 10).varint(), SpopDecodeError);
  });
});

describe('SPOP typed data', () => {
  test('round-trips null, booleans, integers of each width and sign, strings, bytes and addresses', () => {
    fc.assert(fc.property(spopValue, (value) => assert.deepEqual(comparable(roundTrip(value)), comparable(value))));
  });

  test('signed integers travel as HAProxy sends them: 64-bit two\'s complement', () => {
    const w = new SpopWriter();
    w.value(-1);
    assert.deepEqual([...w.finish()], [2, ...varintBytes(TWO_64 - 1n)]);
    assert.equal(roundTrip(-(1n << 63n)), -(1n << 63n));
    assert.equal(new SpopAddress(Uint8Array.from([127, 0, 0, 1])).toString(), '127.0.0.1');
  });

  test('refuse an unknown type and a length past the frame', () => {
    assert.throws(() => new SpopReader(Uint8Array.from([0x0a]), 0, 1).value(), SpopDecodeError);
    assert.throws(() => new SpopReader(Uint8Array.from([0x08, 5, 0x61]), 0, 3).value(), SpopDecodeError);
    // The frame ends before the buffer does: nothing past the end is read.
    assert.throws(() => new SpopReader(Uint8Array.from([0x08, 2, 0x61, 0x62]), 0, 3).value(), SpopDecodeError);
  });
});

describe('SPOP frames', () => {
  test('a NOTIFY cut into any chunks comes back whole, with its ids and messages', () => {
    fc.assert(
      fc.property(fc.array(message, { maxLength: 4 }), fc.nat({ max: 2 ** 31 }), fc.nat({ max: 2 ** 31 }), fc.array(fc.nat({ max: 64 }), { maxLength: 10 }), (messages, streamId, frameId, cuts) => {
        const wire = Buffer.concat([encodeNotify(streamId, frameId, messages), encodeNotify(frameId, streamId, [])]);
        const splitter = new FrameSplitter(1 << 20);
        const frames: Buffer[] = [];
        let at = 0;
        for (const cut of cuts) {
          const next = Math.min(wire.length, at + cut);
          frames.push(...splitter.push(wire.subarray(at, next)));
          at = next;
        }
        frames.push(...splitter.push(wire.subarray(at)));
        assert.equal(frames.length, 2);
        assert.equal(splitter.buffered, 0);
        const first = decodeFrame(frames[0]!, 0, frames[0]!.length) as Extract<SpopFrame, { messages: SpopMessage[] }>;
        assert.deepEqual([first.type, first.flags, first.streamId, first.frameId], [FRAME_TYPE.NOTIFY, FLAG_FIN, streamId, frameId]);
        assert.deepEqual(comparableMessages(first.messages), comparableMessages(messages));
      }),
    );
  });

  test('an ACK round-trips its set-var and unset-var actions', () => {
    const action: fc.Arbitrary<SpopAction> = fc.oneof(
      fc.record({ type: fc.constant('set-var' as const), scope: fc.constantFrom('proc', 'sess', 'txn', 'req', 'res'), name, value: spopValue }),
      fc.record({ type: fc.constant('unset-var' as const), scope: fc.constantFrom('proc', 'sess', 'txn', 'req', 'res'), name }),
    );
    fc.assert(
      fc.property(fc.array(action, { maxLength: 6 }), fc.nat(), fc.nat(), (actions, streamId, frameId) => {
        const wire = encodeAck(streamId, frameId, actions);
        assert.equal(wire.readUInt32BE(0), wire.length - 4);
        const frame = decodeFrame(wire, 4, wire.length) as Extract<SpopFrame, { actions: SpopAction[] }>;
        assert.deepEqual([frame.type, frame.streamId, frame.frameId], [FRAME_TYPE.ACK, streamId, frameId]);
        const plain = (list: readonly SpopAction[]) => list.map((a) => (a.type === 'set-var' ? { ...a, value: comparable(a.value) } : { ...a }));
        assert.deepEqual(plain(frame.actions), plain(actions));
      }),
    );
  });

  test('hostile bytes decode to a frame or a decode error, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat({ max: 20 }), (bytes, offset) => {
        const start = Math.min(offset, bytes.length);
        try {
          decodeFrame(bytes, start, bytes.length);
        } catch (err) {
          assert.ok(err instanceof SpopDecodeError, String(err));
        }
      }),
    );
  });

  test('any frame mutated by a byte or cut short still decodes or is refused cleanly', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 3 }), fc.nat(), fc.nat({ max: 255 }), fc.nat(), (messages, where, byte, cut) => {
        const wire = Buffer.from(encodeNotify(1, 1, messages).subarray(4));
        wire[where % wire.length] = byte;
        const end = wire.length - (cut % wire.length);
        try {
          decodeFrame(wire, 0, end);
        } catch (err) {
          assert.ok(err instanceof SpopDecodeError, String(err));
        }
      }),
    );
  });

  test('the splitter refuses a length over the agreed size before buffering it', () => {
    const splitter = new FrameSplitter(300);
    assert.throws(() => splitter.push(Buffer.from([0, 0, 1, 45, 1])), SpopFrameTooBig);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
        const s = new FrameSplitter(256);
        try {
          for (const frame of s.push(Buffer.from(bytes))) assert.ok(frame.length <= 256);
          assert.ok(s.buffered < 4 + 256);
        } catch (err) {
          assert.ok(err instanceof SpopFrameTooBig, String(err));
        }
      }),
    );
  });
});

/** A client speaking HAProxy's side of SPOP, reading whole frames back. */
async function haproxySide(port: number): Promise<{ socket: Socket; send(frame: Buffer): void; next(): Promise<SpopFrame>; closed: Promise<unknown> }> {
  const socket = createConnection({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  const splitter = new FrameSplitter(1 << 20);
  const frames: SpopFrame[] = [];
  let wake: (() => void) | undefined;
  socket.on('data', (chunk: Buffer) => {
    for (const f of splitter.push(chunk)) frames.push(decodeFrame(f, 0, f.length));
    wake?.();
  });
  const closed = once(socket, 'close');
  return {
    socket,
    send: (frame) => socket.write(frame),
    async next() {
      while (frames.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      return frames.shift()!;
    },
    closed,
  };
}

const HELLO = encodeKvFrame(FRAME_TYPE.HAPROXY_HELLO, [
  ['supported-versions', '2.0'],
  ['max-frame-size', 16380],
  ['capabilities', 'pipelining,async'],
  ['engine-id', 'test'],
]);

describe('the SPOP agent server', () => {
  test('answers HELLO, then pipelined NOTIFYs in one write with each ACK under its own ids, whenever its handler answers', async () => {
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const server = await startSpopServer({
      handler: (messages) => {
        const n = Number(messages[0]!.args[0]!.value);
        // The first waits for the second: its ACK goes out second.
        if (n === 1) return held.then(() => [{ type: 'set-var', scope: 'txn', name: 'n', value: n }] as SpopAction[]);
        release!();
        return [{ type: 'set-var', scope: 'txn', name: 'n', value: n }];
      },
    });
    try {
      const peer = await haproxySide(server.port);
      peer.send(Buffer.concat([HELLO, encodeNotify(7, 1, [{ name: 'm', args: [{ name: 'n', value: 1 }] }]), encodeNotify(8, 1, [{ name: 'm', args: [{ name: 'n', value: 2 }] }])]));
      const hello = (await peer.next()) as Extract<SpopFrame, { kv: Map<string, SpopValue> }>;
      assert.equal(hello.type, FRAME_TYPE.AGENT_HELLO);
      assert.deepEqual([hello.kv.get('version'), hello.kv.get('max-frame-size'), hello.kv.get('capabilities')], ['2.0', 16380, 'pipelining']);
      const acks = [await peer.next(), await peer.next()] as Extract<SpopFrame, { actions: SpopAction[] }>[];
      assert.deepEqual(
        acks.map((a) => [a.type, a.streamId, (a.actions[0] as { value: SpopValue }).value]),
        [
          [FRAME_TYPE.ACK, 8, 2],
          [FRAME_TYPE.ACK, 7, 1],
        ],
      );
      peer.send(encodeKvFrame(FRAME_TYPE.HAPROXY_DISCONNECT, [['status-code', 0], ['message', 'bye']]));
      const bye = (await peer.next()) as Extract<SpopFrame, { kv: Map<string, SpopValue> }>;
      assert.deepEqual([bye.type, bye.kv.get('status-code')], [FRAME_TYPE.AGENT_DISCONNECT, SPOP_STATUS.NORMAL]);
      await peer.closed;
      assert.equal(server.stats.notifies, 2);
    } finally {
      await server.close();
    }
  });

  test('disconnects with the matching status on garbage, a NOTIFY before HELLO, a fragment, an oversized frame, or an old version', async () => {
    const server = await startSpopServer({ handler: () => [] });
    const statusAfter = async (bytes: Buffer): Promise<unknown> => {
      const peer = await haproxySide(server.port);
      peer.send(bytes);
      let frame = (await peer.next()) as Extract<SpopFrame, { kv: Map<string, SpopValue> }>;
      // After a HELLO, its answer comes first.
      if (frame.type === FRAME_TYPE.AGENT_HELLO) frame = (await peer.next()) as typeof frame;
      assert.equal(frame.type, FRAME_TYPE.AGENT_DISCONNECT);
      await peer.closed;
      return frame.kv.get('status-code');
    };
    try {
      assert.equal(await statusAfter(Buffer.from([0, 0, 0, 3, 1, 0, 0])), SPOP_STATUS.INVALID);
      assert.equal(await statusAfter(encodeNotify(1, 1, [])), SPOP_STATUS.INVALID);
      assert.equal(await statusAfter(Buffer.concat([HELLO, encodeNotify(1, 1, [], 0)])), SPOP_STATUS.FRAGMENTATION);
      assert.equal(await statusAfter(Buffer.from([0, 1, 0, 0])), SPOP_STATUS.TOO_BIG);
      assert.equal(await statusAfter(encodeKvFrame(FRAME_TYPE.HAPROXY_HELLO, [['supported-versions', '1.0'], ['max-frame-size', 16380], ['capabilities', '']])), SPOP_STATUS.BAD_VERSION);
      assert.equal(server.stats.protocolErrors, 5);
    } finally {
      await server.close();
    }
  });

  test('a health check gets its HELLO and the connection closes; a handler that throws acknowledges with no action', async () => {
    const server = await startSpopServer({
      handler: () => {
        throw new Error('boom');
      },
    });
    try {
      const check = await haproxySide(server.port);
      check.send(encodeKvFrame(FRAME_TYPE.HAPROXY_HELLO, [['supported-versions', '2.0'], ['max-frame-size', 1024], ['capabilities', ''], ['healthcheck', true]]));
      const hello = (await check.next()) as Extract<SpopFrame, { kv: Map<string, SpopValue> }>;
      assert.deepEqual([hello.type, hello.kv.get('max-frame-size'), hello.kv.get('capabilities')], [FRAME_TYPE.AGENT_HELLO, 1024, '']);
      await check.closed;
      const peer = await haproxySide(server.port);
      peer.send(Buffer.concat([HELLO, encodeNotify(3, 9, [{ name: 'x', args: [] }])]));
      await peer.next();
      const ack = (await peer.next()) as Extract<SpopFrame, { actions: SpopAction[] }>;
      assert.deepEqual([ack.type, ack.streamId, ack.frameId, ack.actions], [FRAME_TYPE.ACK, 3, 9, []]);
      assert.equal(server.stats.handlerErrors, 1);
      peer.socket.destroy();
    } finally {
      await server.close();
    }
  });
});
