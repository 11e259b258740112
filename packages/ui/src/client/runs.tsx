/* The runs list: filters (status, job, tag) in the URL, cursor paging, live updates from the runs stream. */
import { useState } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import { query, type RunJson } from './api';
import { duration, statusClass, time } from './format';
import { useEventSource, useJson, useThrottled } from './hooks';

export const RUN_STATUSES = ['QUEUED', 'NOT_STARTED', 'STARTING', 'STARTED', 'SUCCESS', 'FAILURE', 'CANCELING', 'CANCELED', 'MANAGED'];

export function Tags({ tags }: { tags: Record<string, string> }) {
  const shown = Object.entries(tags).filter(([k]) => !k.startsWith('.'));
  return (
    <span class="tags">
      {shown.map(([k, v]) => (
        <Link key={k} class="tag" href={`/${query({ tag: `${k}=${v}` })}`} data-testid="tag">
          {k}={v}
        </Link>
      ))}
    </span>
  );
}

export function RunsPage() {
  const [params, setParams] = useSearchParams();
  const statuses = params.getAll('status');
  const job = params.get('job') ?? '';
  const tags = params.getAll('tag');
  const cursor = params.get('cursor');
  // The page size, when the URL gives one (the server's default otherwise); kept by the pager links.
  const limit = params.get('limit');
  const path = `/api/runs${query({ status: statuses, job, tag: tags, cursor, limit })}`;
  const runs = useJson<{ runs: RunJson[]; cursor: string | null }>(path);
  const refresh = useThrottled(runs.reload, 300);
  const live = useEventSource('/api/runs-stream', { runs: refresh });
  const [tagDraft, setTagDraft] = useState('');

  const update = (change: (p: URLSearchParams) => void) => {
    const next = new URLSearchParams(params);
    next.delete('cursor');
    change(next);
    setParams(next);
  };

  return (
    <section>
      <h1>
        Runs <span class={live ? 'live on' : 'live'} data-testid="live">{live ? 'live' : 'connecting'}</span>
      </h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          if (tagDraft.includes('=')) update((p) => p.append('tag', tagDraft));
          setTagDraft('');
        }}
      >
        <label>
          Status{' '}
          <select
            data-testid="status-filter"
            value={statuses[0] ?? ''}
            onChange={(e) => update((p) => (p.delete('status'), (e.target as HTMLSelectElement).value && p.append('status', (e.target as HTMLSelectElement).value)))}
          >
            <option value="">any</option>
            {RUN_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Job{' '}
          <input data-testid="job-filter" value={job} placeholder="job name" onChange={(e) => update((p) => ((e.target as HTMLInputElement).value ? p.set('job', (e.target as HTMLInputElement).value) : p.delete('job')))} />
        </label>
        <label>
          Tag <input data-testid="tag-filter" value={tagDraft} placeholder="key=value" onInput={(e) => setTagDraft((e.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Add tag filter</button>
        {tags.map((t) => (
          <button type="button" key={t} class="chip" onClick={() => update((p) => (p.delete('tag'), tags.filter((x) => x !== t).forEach((x) => p.append('tag', x))))}>
            {t} ✕
          </button>
        ))}
      </form>
      {runs.error && <p class="error">{runs.error}</p>}
      <table class="grid" data-testid="runs-table">
        <thead>
          <tr>
            <th>Run</th>
            <th>Job</th>
            <th>Status</th>
            <th>Tags</th>
            <th>Started</th>
            <th>Ended</th>
            <th>Duration</th>
          </tr>
        </thead>
        <tbody>
          {(runs.data?.runs ?? []).map((run) => (
            <tr key={run.runId} data-testid="run-row" data-run-id={run.runId} data-status={run.status}>
              <td>
                <Link href={`/runs/${run.runId}`} class="mono">
                  {run.runId.slice(0, 8)}
                </Link>
              </td>
              <td>{run.jobName}</td>
              <td>
                <span class={statusClass(run.status)}>{run.status}</span>
              </td>
              <td>
                <Tags tags={run.tags} />
              </td>
              <td>{time(run.startTime)}</td>
              <td>{time(run.endTime)}</td>
              <td>{duration(run.startTime, run.endTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {runs.data && runs.data.runs.length === 0 && <p class="empty">No runs match.</p>}
      <nav class="pager">
        {cursor && (
          <Link href={`/${query({ status: statuses, job, tag: tags, limit })}`} data-testid="first-page">
            ← Newest
          </Link>
        )}
        {runs.data?.cursor && (
          <Link href={`/${query({ status: statuses, job, tag: tags, limit, cursor: runs.data.cursor })}`} data-testid="next-page">
            Older →
          </Link>
        )}
      </nav>
    </section>
  );
}
