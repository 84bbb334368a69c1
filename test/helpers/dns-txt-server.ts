import { createSocket, type RemoteInfo } from 'node:dgram';
import { once } from 'node:events';

/** What the server answers for one name: TXT records (each a list of strings), or a failure. */
export type DnsAnswer = { txt: string[][] } | { rcode: 'NXDOMAIN' | 'SERVFAIL' | 'REFUSED' } | { drop: true };

const RCODES = { NXDOMAIN: 3, SERVFAIL: 2, REFUSED: 5 } as const;
const TYPE_TXT = 16;
const CLASS_IN = 1;

/**
 * A real DNS server on UDP, on 127.0.0.1 and a port of its own: it answers
 * TXT questions from `zone` (names lowercase, without the final dot), a name
 * it does not hold with NXDOMAIN, and any other question type with an empty
 * answer (NODATA). A test points the registry's resolver at `server`
 * (`ip:port`) and changes the zone as it goes.
 */
export async function startDnsTxtServer(zone: Map<string, DnsAnswer> = new Map()) {
  const socket = createSocket('udp4');
  const asked: string[] = [];
  socket.on('message', (query: Buffer, peer: RemoteInfo) => {
    const question = readQuestion(query);
    if (question === undefined) return;
    asked.push(question.name);
    const answer = zone.get(question.name.toLowerCase()) ?? { rcode: 'NXDOMAIN' as const };
    if ('drop' in answer) return;
    socket.send(respond(query, question, answer), peer.port, peer.address);
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    zone,
    /** Every name asked, in order. */
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

/** The question of a query: its name, type and where it ends (RFC 1035 §4.1.2). */
function readQuestion(query: Buffer): { name: string; type: number; end: number } | undefined {
  if (query.length < 12 || query.readUInt16BE(4) !== 1) return undefined;
  const labels: string[] = [];
  let at = 12;
  for (;;) {
    if (at >= query.length) return undefined;
    const length = query[at]!;
    at += 1;
    if (length === 0) break;
    if (length > 63 || at + length > query.length) return undefined;
    labels.push(query.subarray(at, at + length).toString('latin1'));
    at += length;
  }
  if (at + 4 > query.length) return undefined;
  return { name: labels.join('.'), type: query.readUInt16BE(at), end: at + 4 };
}

/** The response: the query's id and question, then the TXT records asked for (or the failure). */
function respond(query: Buffer, question: { type: number; end: number }, answer: Exclude<DnsAnswer, { drop: true }>): Buffer {
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2);
  const rd = query[2]! & 0x01;
  const rcode = 'rcode' in answer ? RCODES[answer.rcode] : 0;
  const records = 'txt' in answer && question.type === TYPE_TXT ? answer.txt : [];
  header[2] = 0x80 | 0x04 | rd; // QR, AA, RD as asked
  header[3] = 0x80 | rcode; // RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  const parts: Buffer[] = [header, query.subarray(12, question.end)];
  for (const strings of records) {
    const rdata = Buffer.concat(strings.map((text) => {
      const bytes = Buffer.from(text, 'latin1');
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }));
    const record = Buffer.alloc(12);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(TYPE_TXT, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(60, 6);
    record.writeUInt16BE(rdata.length, 10);
    parts.push(record, rdata);
  }
  return Buffer.concat(parts);
}
