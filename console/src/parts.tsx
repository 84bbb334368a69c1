/**
 * A2A message and artifact parts rendered by kind: text as text, data as a
 * table (an object of scalars, or a list of such objects) or a tree,
 * files as downloads. The raw JSON stays one click away where it is shown.
 */
import { formatNumber } from './format.js';
import { scalar, type Part } from './parts-summary.js';

export { partsSummary, type Part } from './parts-summary.js';

const isScalar = (v: unknown) => v === null || ['string', 'number', 'boolean'].includes(typeof v);

/** A value as nested lists: keys in bold, scalars as text. */
function Tree(props: { value: unknown }) {
  const v = props.value;
  if (isScalar(v)) return <span>{scalar(v)}</span>;
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x) && Object.values(x).every(isScalar))) return <RowsTable rows={v as Array<Record<string, unknown>>} />;
    return (
      <ol class="tree">
        {v.slice(0, 200).map((x, i) => (
          <li key={i}>
            <Tree value={x} />
          </li>
        ))}
        {v.length > 200 && <li>… {formatNumber(v.length - 200)} more</li>}
      </ol>
    );
  }
  return (
    <dl class="tree">
      {Object.entries(v as Record<string, unknown>).map(([k, x]) => (
        <div key={k}>
          <dt>{k}</dt>
          <dd>
            <Tree value={x} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** A list of flat objects as a table: one column per key. */
function RowsTable(props: { rows: Array<Record<string, unknown>> }) {
  const columns = [...new Set(props.rows.flatMap((r) => Object.keys(r)))].slice(0, 12);
  const shown = props.rows.slice(0, 200);
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-label="Data">
      <table class="data">
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" key={c}>
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((r, i) => (
            <tr key={i}>
              {columns.map((c) => (
                <td key={c}>{scalar(r[c])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {props.rows.length > shown.length && <p class="hint">{formatNumber(props.rows.length - shown.length)} more rows not shown.</p>}
    </div>
  );
}

function FilePart(props: { part: Part }) {
  const f = props.part.file ?? {};
  const name = f.name ?? props.part.filename ?? 'file';
  const type = f.mimeType ?? f.mediaType ?? props.part.mediaType ?? 'application/octet-stream';
  const uri = f.uri ?? f.fileWithUri ?? props.part.url;
  const bytes = f.bytes ?? f.fileWithBytes ?? props.part.raw;
  const href = uri !== undefined && /^https?:/.test(uri) ? uri : bytes !== undefined ? `data:${type};base64,${bytes}` : undefined;
  return href === undefined ? (
    <p>File {name} ({type})</p>
  ) : (
    <p>
      <a href={href} download={name} rel="noopener noreferrer">
        Download {name}
      </a>{' '}
      <small>({type})</small>
    </p>
  );
}

export function Parts(props: { parts: Part[] | undefined }) {
  return (
    <div class="parts">
      {(props.parts ?? []).map((p, i) =>
        p.text !== undefined ? (
          <p key={i} class="text-part">
            {p.text}
          </p>
        ) : p.data !== undefined ? (
          <div key={i} class="data-part">
            <Tree value={p.data} />
          </div>
        ) : (
          <FilePart key={i} part={p} />
        ),
      )}
    </div>
  );
}
