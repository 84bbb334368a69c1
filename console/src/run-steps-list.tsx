/**
 * A run's top-level steps as rows, a page at a time: the first page when the
 * run opens (and again when it ends), then "Load more steps" while the
 * orchestrator names a next page.
 */
import { useEffect, useState } from 'preact/hooks';
import { rpc, userMessage } from './a2a.js';
import { addPage, RUN_STEPS_SKILL, STEPS_PER_PAGE, stepsPageOf, type StepRows } from './run-steps-page.js';
import { ColumnHeads } from './column-heads.js';
import { formatDuration, plural } from './format.js';
import type { Loose } from './workflow-run.js';

/** Reads one page of a run's steps (the first without a token). */
async function readStepsPage(runId: string, pageToken?: string): Promise<StepRows> {
  const message = userMessage({ data: { runId, pageSize: STEPS_PER_PAGE, ...(pageToken !== undefined && { pageToken }) } }, { skillId: RUN_STEPS_SKILL });
  const page = stepsPageOf(await rpc<Loose>('orchestrator', 'SendMessage', { message }));
  if (page === undefined) throw new Error("The orchestrator did not answer with a page of the run's steps (an older version?).");
  return page;
}

export function RunStepsList(props: { runId: string; ended: boolean }) {
  const [loaded, setLoaded] = useState<StepRows | undefined>(undefined);
  const [failure, setFailure] = useState('');
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    let live = true;
    setFailure('');
    readStepsPage(props.runId).then(
      (page) => live && setLoaded(page),
      (err: Error) => live && setFailure(err.message),
    );
    return () => {
      live = false;
    };
  }, [props.runId, props.ended]);

  const more = async () => {
    if (loaded?.next === undefined) return;
    setBusy(true);
    try {
      const page = await readStepsPage(props.runId, loaded.next);
      setLoaded((current) => addPage(current, page));
    } catch (err) {
      setFailure((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  if (failure !== '' && loaded === undefined) return <p class="error">{failure}</p>;
  if (loaded === undefined) return <p aria-busy="true">Loading the steps…</p>;
  return (
    <details open={loaded.total <= 20}>
      <summary>
        Steps: {loaded.rows.length} of {plural(loaded.total, 'step')}
      </summary>
      <table data-testid="run-steps">
        <ColumnHeads labels={['Step', 'Kind', 'State', 'Agent', 'Took']} />
        <tbody>
          {loaded.rows.map((row) => (
            <tr key={row.path} data-step={row.path}>
              <td>
                <code>{row.path}</code>
              </td>
              <td>{row.kind}</td>
              <td>
                {row.status}
                {row.units !== undefined && ` (${row.units.done} done${row.units.failed > 0 ? `, ${row.units.failed} failed` : ''})`}
                {row.error !== undefined && <small class="error"> {row.error}</small>}
              </td>
              <td>{row.agent ?? ''}</td>
              <td>{row.durationMs !== undefined ? formatDuration(row.durationMs) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {failure !== '' && <p class="error">{failure}</p>}
      {loaded.next !== undefined && (
        <button type="button" onClick={more} disabled={busy}>
          Load more steps
        </button>
      )}
    </details>
  );
}
