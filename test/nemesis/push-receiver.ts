/**
 * The webhook the fleet pushes to: every notification it gets is recorded as an observed `push`
 * (test/history/README.md, "Operations") with the task, the event's seq (the `Agentmesh-Event-Seq`
 * header) and the hash of the event, the same hash the final log read gives the stored event.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { F } from '../history/history-format.js';
import type { HistoryRecorder } from '../history/history-recorder.js';
import { eventHash } from './task-streams.js';

export interface PushReceiver {
  url: string;
  /** Notifications recorded so far. */
  readonly received: number;
  close(): Promise<void>;
}

/** The task a v1 push body (a StreamResponse) is about. */
function taskIdOf(event: Record<string, unknown>): string | undefined {
  const body = Object.values(event)[0] as { id?: unknown; taskId?: unknown } | undefined;
  const id = body?.taskId ?? body?.id;
  return typeof id === 'string' ? id : undefined;
}

/** Starts the receiver on a port of its own; each push is recorded as process `process`. */
export async function startPushReceiver(recorder: HistoryRecorder, process: number): Promise<PushReceiver> {
  let received = 0;
  let closed = false;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seq = Number(req.headers['agentmesh-event-seq']);
      let event: Record<string, unknown> | undefined;
      try {
        event = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        event = undefined;
      }
      const taskId = event === undefined ? undefined : taskIdOf(event);
      // After the recorder is closed (the run is over), a late retry is answered but not recorded.
      if (!closed && event !== undefined && taskId !== undefined && Number.isInteger(seq) && seq > 0) {
        recorder.observe(process, F.push, taskId, { taskId, seq, hash: eventHash(event) });
        received += 1;
      }
      res.writeHead(event === undefined ? 400 : 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    get received() {
      return received;
    },
    async close() {
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
