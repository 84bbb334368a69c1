import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRegistry } from '../../helpers/registry-fixture.js';
import { startRuntime, testAgent, userMessage } from '../../helpers/runtime-fixture.js';
import { until } from '../../helpers/until.js';
import { rpcVia, startRouterApp } from './routing-harness.js';

type Host = Awaited<ReturnType<typeof startRuntime>>;

/** The registry's instance id of a runtime, found by its URL in the router's view. */
function instanceOf(gw: Awaited<ReturnType<typeof startRouterApp>>, host: Host): string {
  const stat = gw.router.stats().find((s) => s.agent === 'tester' && s.url.replace(/\/+$/, '') === host.url.replace(/\/+$/, ''));
  assert.ok(stat, `instance of ${host.url} known`);
  return stat.instance;
}

/** One echo through the router: ok when the task completed with the text. */
async function echo(url: string, text: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const answer = await rpcVia(url, 'tester', 'SendMessage', { message: userMessage(text) });
    const task = answer.body?.result?.task;
    const ok = answer.status === 200 && task?.status?.state === 'TASK_STATE_COMPLETED' && task.artifacts?.[0]?.parts?.[0]?.text === text;
    return { ok, detail: ok ? '' : `${answer.status} ${JSON.stringify(answer.body).slice(0, 300)}` };
  } catch (err) {
    return { ok: false, detail: String(err) };
  }
}

/** A request through the router to the tester's `wait` skill, which holds until `signal` aborts it. */
function sendHold(url: string, signal: AbortSignal): Promise<Response> {
  return fetch(`${url}/agents/tester`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', 'A2A-Version': '1.0' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'SendMessage', params: { message: userMessage('hold', { metadata: { skillId: 'wait' } }) } }),
  });
}

/** Eight workers echoing `<label> <worker>.<n>` through the router until `stop()`; the failures they met, and how many they sent. */
function echoLoad(url: string, label: string): { failures: string[]; sent: () => number; stop: () => Promise<void> } {
  const failures: string[] = [];
  let sent = 0;
  let done = false;
  const workers = Array.from({ length: 8 }, async (_, w) => {
    while (!done) {
      const n = sent++;
      const outcome = await echo(url, `${label} ${w}.${n}`);
      if (!outcome.ok) failures.push(outcome.detail);
    }
  });
  return {
    failures,
    sent: () => sent,
    stop: async () => {
      done = true;
      await Promise.all(workers);
    },
  };
}

describe('balancing over the instances of one agent', () => {
  let reg: Awaited<ReturnType<typeof startRegistry>>;
  const hosts: Host[] = [];
  let gw: Awaited<ReturnType<typeof startRouterApp>>;

  before(async () => {
    reg = await startRegistry({ probeIntervalMs: 60_000 });
    // A short drain deadline: a runtime's drain can wait out keep-alive connections it does not close (see the report).
    for (let i = 0; i < 3; i++) hosts.push(await startRuntime([testAgent], { registryUrl: reg.url, shutdownDeadlineMs: 1000 }));
    // `halfClose: end`: a client that abandons its request closes its socket, a FIN the default (`answer`,
    // ADR 0069) reads as a half-close still waiting; these tests release an instance by abandoning its request.
    gw = await startRouterApp(reg.url, { halfClose: 'end' });
    await until('three instances in rotation', () => gw.router.agent('tester')?.instances.filter((i) => i.inRotation).length === 3);
  });
  after(async () => {
    await gw.close();
    for (const host of hosts) await host.close();
    await reg.close();
  });

  test('least-outstanding with round-robin ties spreads concurrent requests over the three instances', async () => {
    const from = gw.results.length;
    const outcomes = await Promise.all(Array.from({ length: 60 }, (_, i) => echo(gw.url, `spread ${i}`)));
    assert.deepEqual(outcomes.filter((o) => !o.ok), []);
    const counts = new Map<string, number>();
    for (const r of gw.results.slice(from)) counts.set(r.instance, (counts.get(r.instance) ?? 0) + 1);
    assert.equal(counts.size, 3, JSON.stringify([...counts]));
    for (const [instance, count] of counts) assert.ok(count >= 12, `instance ${instance} served ${count} of 60`);
  });

  test('an instance busy with a long request gets no new ones while the others are idle', async () => {
    const hold = new AbortController();
    const blocking = sendHold(gw.url, hold.signal).catch(() => undefined);
    await until('one request outstanding', () => gw.router.stats().some((s) => s.outstanding === 1));
    const busy = gw.router.stats().find((s) => s.outstanding === 1)!.instance;
    const from = gw.results.length;
    for (let i = 0; i < 12; i++) assert.equal((await echo(gw.url, `around ${i}`)).ok, true);
    const served = gw.results.slice(from).map((r) => r.instance);
    assert.equal(served.filter((id) => id === busy).length, 0, 'the busy instance was left alone');
    assert.equal(new Set(served).size, 2, 'the two idle ones shared the work');
    hold.abort();
    await blocking;
    await until('the abandoned request released', () => gw.router.stats().every((s) => s.outstanding === 0));
  });

  test('an instance killed under load leaves rotation; traffic continues on the others with no failures beyond its requests in flight', async () => {
    const victim = hosts[0]!;
    const victimId = instanceOf(gw, victim);
    const load = echoLoad(gw.url, 'load');
    const { failures } = load;
    await until('load running on every instance', () => gw.results.filter((r) => r.instance === victimId).length >= 20);
    const atKill = gw.router.stats().find((s) => s.instance === victimId)!;
    const killedAt = gw.results.length;
    // The victim's request count as last seen before it leaves the routing cache (stats() no longer
    // lists it then): watched on every turn of the event loop, so a request sent to it just before it
    // left is counted as in flight on it (reading it once after removal counted none, a flake under load).
    let lastSeen = atKill.requests;
    let watching = true;
    const watch = (): void => {
      const seen = gw.router.stats().find((s) => s.instance === victimId);
      if (seen !== undefined) lastSeen = seen.requests;
      if (watching) setImmediate(watch);
    };
    watch();
    const closing = victim.close();
    await until('the killed instance out of rotation', () => !gw.router.agent('tester')!.instances.some((i) => i.id === victimId && i.inRotation));
    await closing;
    watching = false;
    // In flight on it while it died: what it had at the kill, plus what was sent before the router learned it was leaving.
    const sentWhileDying = lastSeen - atKill.requests;
    const inFlightOnVictim = atKill.outstanding + sentWhileDying;
    hosts.splice(0, 1);
    const afterKill = gw.results.length;
    await until('200 more requests served', () => gw.results.length >= afterKill + 200);
    await load.stop();

    assert.ok(failures.length <= inFlightOnVictim, `${failures.length} failures, ${inFlightOnVictim} requests were in flight on the killed instance: ${failures.join('\n')}`);
    const lateOnVictim = gw.results.slice(afterKill).filter((r) => r.instance === victimId).length;
    assert.equal(lateOnVictim, 0, 'nothing reaches the killed instance once it left');
    const retried = gw.results.slice(killedAt).filter((r) => r.retried > 0).length;
    const survivors = new Set(gw.results.slice(afterKill).map((r) => r.instance));
    assert.equal(survivors.size, 2);
    // Figures for the report.
    console.log(`# graceful kill under load: ${load.sent()} requests, ${failures.length} failed; ${inFlightOnVictim} in flight on the victim while it shut down (${atKill.outstanding} at the kill, ${sentWhileDying} sent before the router saw it leave); ${retried} retried elsewhere`);
  });

  test('an instance that dies abruptly (still registered) costs only its requests in flight: new ones are retried elsewhere and its breaker opens', async () => {
    const victim = hosts[0]!;
    const victimId = instanceOf(gw, victim);
    // Long requests first, on an idle pool: two on each instance, so some are surely in flight on the victim when it dies.
    const holders = Array.from({ length: 4 }, () => new AbortController());
    const held = holders.map((hold) =>
      sendHold(gw.url, hold.signal).then(
        async (response) => ({ status: response.status, body: (await response.json()) as any }),
        () => undefined,
      ),
    );
    await until('two long requests on each instance', () => gw.router.stats().filter((s) => s.agent === 'tester' && s.inRotation).every((s) => s.outstanding === 2));
    const load = echoLoad(gw.url, 'crash');
    const { failures } = load;
    const servedBefore = gw.results.filter((r) => r.instance === victimId).length;
    await until('load running on the victim', () => gw.results.filter((r) => r.instance === victimId).length >= servedBefore + 20);
    const from = gw.results.length;
    // As a crash looks from outside: the port refuses connections and open ones are reset; the registry still lists it.
    const server = victim.runtime.app.server;
    const atCrash = gw.router.stats().find((s) => s.instance === victimId)!;
    server.close();
    server.closeAllConnections();
    await until('the victim breaker open', () => gw.router.stats().find((s) => s.instance === victimId)?.breaker === 'open');
    // In flight on it: what it had at the crash, plus what reached a connection to it before the breaker opened (connections refused are retried, never failed).
    const inFlightAtKill = atCrash.outstanding + gw.router.stats().find((s) => s.instance === victimId)!.requests - atCrash.requests;
    const opened = gw.results.length;
    await until('200 more requests served', () => gw.results.length >= opened + 200);
    await load.stop();
    for (const hold of holders) hold.abort();
    const cut = (await Promise.all(held)).filter((answer) => answer !== undefined);
    // The long requests that were on the victim failed (a SendMessage that reached it is never sent twice)…
    assert.equal(cut.length, 2, JSON.stringify(cut));
    for (const answer of cut) {
      assert.equal(answer.status, 502);
      assert.match(answer.body.error.message, /may have reached the agent/);
    }
    // …and nothing else did.
    assert.ok(cut.length + failures.length <= inFlightAtKill, `${cut.length} long and ${failures.length} short requests failed, ${inFlightAtKill} were in flight at the crash: ${failures.join('\n')}`);
    assert.equal(gw.router.agent('tester')!.instances.find((i) => i.id === victimId)?.inRotation, true, 'the registry still had it in rotation: the breaker did the work');
    // How many calls met a refused connection before the breaker opened depends on scheduling
    // (under load the breaker may open on resets alone): reported, not asserted. That a refused
    // connection is retried elsewhere is proven in routing-resilience.test.ts.
    const retried = gw.results.slice(from).filter((r) => r.retried > 0).length;
    assert.equal(gw.results.slice(opened).filter((r) => r.instance === victimId).length, 0);
    console.log(`# crash under load: ${load.sent()} short requests, ${failures.length} failed; ${inFlightAtKill} requests in flight on the victim at the crash, ${cut.length} of them long ones that failed; ${retried} retried elsewhere`);
  });
});
