import type { HistoryOp } from '../history-format.js';
import { EdnSet, EdnSymbol, Keyword, parseEdnForms, type EdnMap, type EdnValue } from './edn-parse.js';

/**
 * A Knossos history file (`data/cas-register/*.edn`: one collection of operation maps, or a sequence
 * of maps or `[process type f value]` tuples, as Knossos' `read-history` takes them) in our format.
 * What changes, each as Knossos reads it: a `cas` value `[from to]` becomes `{from, to}`; a read
 * answered `nil` ("we don't know what the read was", Knossos' `CASRegister`) becomes `fail`, which
 * asserts nothing; an invocation never completed stays so (the checker reads it as `info`). Knossos
 * histories carry no times, so `time` is the index unless the op has a `:time`.
 */
export function knossosToHistory(text: string): HistoryOp[] {
  const forms = parseEdnForms(text);
  const items = forms.length === 1 && Array.isArray(forms[0]) ? forms[0] : forms;
  return items.map((item, index) => toOp(item, index));
}

function toOp(item: EdnValue, index: number): HistoryOp {
  const map = item instanceof Map ? item : Array.isArray(item) ? tupleMap(item) : undefined;
  if (map === undefined) throw new Error(`op ${index} is neither a map nor a tuple`);
  const process = map.get('process');
  const type = keywordName(map.get('type'), 'type', index);
  const f = keywordName(map.get('f'), 'f', index);
  const time = map.get('time');
  const at = typeof time === 'number' ? time : index;
  if (process instanceof Keyword && process.name === 'nemesis') return { index, time: at, process: 'nemesis', type: 'info', f, key: null, value: toJson(map.get('value') ?? null) };
  if (typeof process !== 'number') throw new Error(`op ${index} has no process number`);
  if (type !== 'invoke' && type !== 'ok' && type !== 'fail' && type !== 'info') throw new Error(`op ${index} has type ${type}`);
  let value = toJson(map.get('value') ?? null);
  let opType: HistoryOp['type'] = type;
  if (f === 'cas' && Array.isArray(value) && value.length === 2) value = { from: value[0], to: value[1] };
  if (f === 'read' && type === 'ok' && value === null) opType = 'fail';
  return { index, time: at, process, type: opType, f, key: 'register', value };
}

function tupleMap(tuple: EdnValue[]): EdnMap {
  const [process, type, f, value] = tuple;
  return new Map<string, EdnValue>([
    ['process', process ?? null],
    ['type', type ?? null],
    ['f', f ?? null],
    ['value', value ?? null],
  ]);
}

function keywordName(value: EdnValue | undefined, field: string, index: number): string {
  if (value instanceof Keyword) return value.name;
  throw new Error(`op ${index}: :${field} is not a keyword`);
}

/** EDN data as JSON: keywords and symbols as their names, sets and lists as arrays, maps as objects. */
export function toJson(value: EdnValue): unknown {
  if (value instanceof Keyword || value instanceof EdnSymbol) return value.name;
  if (value instanceof EdnSet) return value.items.map(toJson);
  if (Array.isArray(value)) return value.map(toJson);
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, toJson(v)]));
  return value;
}
