/*
 * A run: header (status, timing, tags), actions (cancel, re-execute all / from failure), the step Gantt, the
 * event log streamed live over SSE (filter by level, type, step), and the captured stdout/stderr of each step.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Link, useLocation, useSearchParams } from 'wouter-preact';
import { ApiError, getJson, postJson, query, type EventJson, type RunJson } from './api';
import { Gantt } from './gantt';
import { duration, statusClass, time } from './format';
import { useEventSource, useJson, useThrottled } from './hooks';
import { Tags } from './runs';

const LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'];
const LEVEL_RANK: Record<string, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40, CRITICAL: 50 };
/** Rows rendered at most (the newest of those that match); the stream keeps all. */
const MAX_ROWS = 2000;
/** Streamed events are rendered at most this often (one frame): a burst renders once, a lone event at once. */
const FLUSH_MS = 16;
/** The newest events a run page opens on (older ones load on request). */
const TAIL = 500;
const FINISHED = new Set(['SUCCESS', 'FAILURE', 'CANCELED']);

function Actions({ run, reload }: { run: RunJson; reload: () => void }) {
  const [, navigate] = useLocation();
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const act = async (what: () => Promise<void>) => {
    setBusy(true);
    setMessage(null);
    try {
      await what();
    } catch (e) {
      setMessage(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(false);
      reload();
    }
  };
  const finished = FINISHED.has(run.status);
  const reexecute = (fromFailure: boolean) =>
    act(async () => {
      const result = await postJson<{ runId: string }>(`/api/runs/${run.runId}/reexecute`, { fromFailure });
      navigate(`/runs/${result.runId}`);
    });
  return (
    <div class="actions">
      {!finished && run.status !== 'CANCELING' && (
        <button data-testid="cancel" disabled={busy} onClick={() => act(async () => void (await postJson(`/api/runs/${run.runId}/cancel`)))}>
          Cancel run
        </button>
      )}
      {finished && (
        <button data-testid="reexecute-all" disabled={busy} onClick={() => reexecute(false)}>
          Re-execute all
        </button>
      )}
      {run.status === 'FAILURE' && (
        <button data-testid="reexecute-failed" disabled={busy} onClick={() => reexecute(true)}>
          Re-execute from failure
        </button>
      )}
      {message && (
        <span class="error" data-testid="action-error">
          {message}
        </span>
      )}
    </div>
  );
}

function ComputeLogs({ runId, events }: { runId: string; events: readonly EventJson[] }) {
  const captures = events.filter((e) => e.eventType === 'LOGS_CAPTURED' && e.data?.fileKey);
  const [selected, setSelected] = useState<string | null>(null);
  const fileKey = selected ?? (captures.find((c) => c.data?.stepKeys?.length) ?? captures[0])?.data?.fileKey ?? null;
  const logs = useJson<{ stdout: string; stderr: string; complete: boolean }>(fileKey ? `/api/runs/${runId}/compute-logs/${encodeURIComponent(fileKey)}` : null);
  const refresh = useThrottled(logs.reload, 1000);
  // New events (a step's output, its end) are when the captured files grow: read them again.
  useEffect(() => {
    if (fileKey && logs.data && !logs.data.complete) refresh();
  }, [events.length]);
  if (captures.length === 0) return <p class="empty">No captured logs.</p>;
  return (
    <div class="compute-logs">
      <div class="capture-tabs">
        {captures.map((c) => (
          <button key={c.data!.fileKey} class={c.data!.fileKey === fileKey ? 'selected' : ''} data-testid="capture" onClick={() => setSelected(c.data!.fileKey!)}>
            {(c.data!.stepKeys ?? []).join(', ') || 'run'}
          </button>
        ))}
      </div>
      <div class="log-panes">
        <div>
          <h4>stdout</h4>
          <pre data-testid="stdout">{logs.data?.stdout ?? ''}</pre>
        </div>
        <div>
          <h4>stderr</h4>
          <pre data-testid="stderr">{logs.data?.stderr ?? ''}</pre>
        </div>
      </div>
    </div>
  );
}

/** `older` (oldest first) and `newer` events merged in storage order, each once. */
function merged(events: readonly EventJson[], older: readonly EventJson[], newer: readonly EventJson[]): EventJson[] {
  const first = events[0]?.storageId ?? Infinity;
  const last = events.at(-1)?.storageId ?? -Infinity;
  return [...older.filter((e) => e.storageId < first), ...events, ...newer.filter((e) => e.storageId > last)];
}

const STEP_EVENT_TYPES = ['STEP_START', 'STEP_RESTARTED', 'STEP_SUCCESS', 'STEP_FAILURE', 'STEP_UP_FOR_RETRY', 'STEP_SKIPPED'];

export function RunPage({ runId }: { runId: string }) {
  const run = useJson<{ run: RunJson }>(`/api/runs/${runId}`);
  const [events, setEvents] = useState<EventJson[]>([]);
  // The storage id of the oldest event loaded, while older ones are not (a big run opens on its newest TAIL).
  const [olderBefore, setOlderBefore] = useState<number | null>(null);
  const windowSeen = useRef(false);
  const reloadRun = useThrottled(run.reload, 250);
  // Events arrive one message each; they are rendered in batches, so a run with many events stays responsive.
  const pending = useRef<EventJson[]>([]);
  const flush = useThrottled(() => {
    const batch = pending.current;
    pending.current = [];
    setEvents((prev) => merged(prev, [], batch));
  }, FLUSH_MS);
  // ?tail= in the page's URL opens on fewer (or more) events.
  const [params] = useSearchParams();
  const tail = params.get('tail') ?? String(TAIL);
  // "Load older" reads pages of the tail's size, at most 1000 events.
  const olderPage = Math.max(1, Math.min(1000, Number(tail) || 1000));
  const live = useEventSource(`/api/runs/${runId}/stream${query({ tail })}`, {
    window: (data) => {
      // Only the first connection's window counts (a reconnect resumes after the last event seen).
      if (windowSeen.current) return;
      windowSeen.current = true;
      setOlderBefore((JSON.parse(data) as { olderBefore: number | null }).olderBefore);
    },
    event: (data) => {
      const event = JSON.parse(data) as EventJson;
      pending.current.push(event);
      flush();
      if (event.eventType?.startsWith('RUN_') || event.eventType?.startsWith('PIPELINE_')) reloadRun();
    },
  });
  const loadOlder = async () => {
    if (olderBefore === null) return;
    const page = await getJson<{ events: EventJson[]; hasMore: boolean }>(`/api/runs/${runId}/events${query({ before: String(olderBefore), limit: String(olderPage) })}`);
    const older = [...page.events].reverse();
    setEvents((prev) => merged(prev, older, []));
    setOlderBefore(page.hasMore && older.length ? older[0]!.storageId : null);
  };
  // With older events left out, the Gantt still needs every step event: read those alone.
  const stepEvents = useJson<{ events: EventJson[] }>(olderBefore === null ? null : `/api/runs/${runId}/events${query({ type: STEP_EVENT_TYPES, limit: '10000' })}`);
  const timelineEvents = useMemo(() => (olderBefore === null || !stepEvents.data ? events : merged(events, stepEvents.data.events, [])), [events, olderBefore, stepEvents.data]);
  const [level, setLevel] = useState('DEBUG');
  const [type, setType] = useState('');
  const [step, setStep] = useState('');
  const types = useMemo(() => [...new Set(events.map((e) => e.eventType ?? 'LOG'))].sort(), [events]);
  const steps = useMemo(() => [...new Set(events.map((e) => e.stepKey).filter((s): s is string => !!s))].sort(), [events]);
  const shown = events.filter((e) => (LEVEL_RANK[e.level] ?? 0) >= (LEVEL_RANK[level] ?? 0) && (!type || (e.eventType ?? 'LOG') === type) && (!step || e.stepKey === step));

  if (run.errorCode === 'RUN_NOT_FOUND')
    return (
      <section data-testid="run-not-found">
        <h1>Run not found</h1>
        <p>
          No run has the id <span class="mono">{runId}</span> (it may have been deleted). <Link href="/">All runs</Link>
        </p>
      </section>
    );
  if (run.error) return <p class="error">{run.error}</p>;
  const r = run.data?.run;
  if (!r) return <p>Loading…</p>;
  const now = Date.now() / 1000;
  return (
    <section>
      <p>
        <Link href="/">← Runs</Link>
      </p>
      <h1>
        Run <span class="mono">{r.runId}</span>{' '}
        <span class={statusClass(r.status)} data-testid="run-status">
          {r.status}
        </span>
      </h1>
      <dl class="facts">
        <dt>Job</dt>
        <dd>{r.jobName}</dd>
        <dt>Started</dt>
        <dd>{time(r.startTime)}</dd>
        <dt>Ended</dt>
        <dd>{time(r.endTime)}</dd>
        <dt>Duration</dt>
        <dd>{duration(r.startTime, r.endTime, now)}</dd>
        {r.parentRunId && (
          <>
            <dt>Parent</dt>
            <dd>
              <Link href={`/runs/${r.parentRunId}`} class="mono">
                {r.parentRunId.slice(0, 8)}
              </Link>
            </dd>
          </>
        )}
        <dt>Tags</dt>
        <dd data-testid="run-tags">
          <Tags tags={r.tags} />
        </dd>
      </dl>
      <Actions run={r} reload={run.reload} />
      <h2>Steps</h2>
      <Gantt events={timelineEvents} runEnded={r.endTime} now={now} />
      <h2>
        Events <span class={live ? 'live on' : 'live'}>{live ? 'live' : 'connecting'}</span>{' '}
        <span class="count" data-testid="event-count">
          {shown.length} of {events.length}
        </span>
      </h2>
      {olderBefore !== null && (
        <p class="older">
          Showing the newest events only.{' '}
          <button data-testid="load-older" onClick={() => void loadOlder()}>
            Load {olderPage} older
          </button>
        </p>
      )}
      <div class="filters">
        <label>
          Level{' '}
          <select data-testid="level-filter" value={level} onChange={(e) => setLevel((e.target as HTMLSelectElement).value)}>
            {LEVELS.map((l) => (
              <option key={l} value={l}>
                {l}+
              </option>
            ))}
          </select>
        </label>
        <label>
          Type{' '}
          <select data-testid="type-filter" value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {types.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          Step{' '}
          <select data-testid="step-filter" value={step} onChange={(e) => setStep((e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {steps.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <table class="grid events" data-testid="events-table">
        <thead>
          <tr>
            <th>Time</th>
            <th>Level</th>
            <th>Type</th>
            <th>Step</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {shown.slice(-MAX_ROWS).map((e) => (
            <tr key={e.storageId} data-testid="event-row" class={`level-${e.level.toLowerCase()}`}>
              <td class="mono">{time(e.timestamp)}</td>
              <td>{e.level}</td>
              <td>{e.eventType ?? 'LOG'}</td>
              <td>{e.stepKey ?? ''}</td>
              <td>
                <span class="message">{e.message}</span>
                {e.data?.error && <pre class="error-detail">{e.data.error}</pre>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Captured logs</h2>
      <ComputeLogs runId={runId} events={events} />
    </section>
  );
}
