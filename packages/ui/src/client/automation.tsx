/* Automation: schedules and sensors (status, next tick, tick history, start/stop), backfills, daemon health. */
import { useState } from 'preact/hooks';
import { Link } from 'wouter-preact';
import { ApiError, postJson } from './api';
import { statusClass, time } from './format';
import { useInterval, useJson } from './hooks';

interface Instigator {
  name: string;
  type: string;
  status: string;
  running: boolean;
  location: string;
  originId: string;
  selectorId: string;
  cronSchedule: string | null;
  nextTick: number | null;
  ticks: { tickId: number; status: string; timestamp: number; runIds: string[]; skipReason: string | null; error: string | null }[];
}

interface Backfill {
  backfillId: string;
  status: string;
  timestamp: number;
  jobName: string | null;
  assets: string[] | null;
  error: string | null;
  partitions: { name: string; status: string; runId: string | null }[];
}

interface Daemon {
  daemonType: string;
  required: boolean;
  healthy: boolean | null;
  lastHeartbeatTime: number | null;
  errors: string[];
}

function InstigatorCard({ instigator: s, reload }: { instigator: Instigator; reload: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const toggle = async () => {
    try {
      await postJson(`/api/instigators/${encodeURIComponent(s.originId)}/${encodeURIComponent(s.selectorId)}/${s.running ? 'stop' : 'start'}`);
      setError(null);
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    }
    reload();
  };
  return (
    <div class="card" data-testid="instigator" data-name={s.name} data-status={s.status}>
      <h3>
        {s.name} <small>{s.type.toLowerCase()}</small> <span class={statusClass(s.status)}>{s.status}</span>{' '}
        <button data-testid="toggle-instigator" onClick={toggle}>
          {s.running ? 'Stop' : 'Start'}
        </button>
      </h3>
      <p>
        {s.cronSchedule && <>cron <code>{s.cronSchedule}</code> · </>}location {s.location} · next tick <span data-testid="next-tick">{s.running ? time(s.nextTick) : '–'}</span>
      </p>
      {error && <p class="error">{error}</p>}
      {s.ticks.length === 0 ? (
        <p class="empty">No ticks yet.</p>
      ) : (
        <table class="grid">
          <thead>
            <tr>
              <th>Tick</th>
              <th>Status</th>
              <th>Runs</th>
              <th>Skip reason / error</th>
            </tr>
          </thead>
          <tbody>
            {s.ticks.map((t) => (
              <tr key={t.tickId} data-testid="tick" data-status={t.status}>
                <td>{time(t.timestamp)}</td>
                <td>
                  <span class={statusClass(t.status)}>{t.status}</span>
                </td>
                <td>
                  {t.runIds.map((id) => (
                    <Link key={id} href={`/runs/${id}`} class="mono">
                      {id.slice(0, 8)}{' '}
                    </Link>
                  ))}
                </td>
                <td class={t.error ? 'error' : ''}>{t.error ?? t.skipReason ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const REFRESH_MS = 5000;
const IN_PROGRESS = new Set(['QUEUED', 'NOT_STARTED', 'STARTING', 'STARTED', 'CANCELING']);

/** "3 of 10 partitions succeeded, 1 failed, 2 in progress, 4 not started" (the parts that are not zero). */
export function progress(partitions: readonly { status: string }[]): string {
  const count = (test: (s: string) => boolean) => partitions.filter((p) => test(p.status)).length;
  const parts = [
    [count((s) => s === 'FAILURE'), 'failed'],
    [count((s) => s === 'CANCELED'), 'canceled'],
    [count((s) => IN_PROGRESS.has(s)), 'in progress'],
    [count((s) => s === 'PENDING'), 'not started'],
  ] as const;
  return [`${count((s) => s === 'SUCCESS')} of ${partitions.length} partitions succeeded`, ...parts.filter(([n]) => n > 0).map(([n, what]) => `${n} ${what}`)].join(', ');
}

export function AutomationPage() {
  const instigators = useJson<{ instigators: Instigator[] }>('/api/instigators');
  const backfills = useJson<{ backfills: Backfill[]; cursor: string | null }>('/api/backfills');
  const daemons = useJson<{ daemons: Daemon[] }>('/api/daemons');
  // Ticks, backfill runs and heartbeats change while the page is open: read them again now and then.
  useInterval(() => {
    instigators.reload();
    backfills.reload();
    daemons.reload();
  }, REFRESH_MS);
  return (
    <section>
      <h1>Automation</h1>
      <h2>Daemons</h2>
      <table class="grid" data-testid="daemons-table">
        <thead>
          <tr>
            <th>Daemon</th>
            <th>Required</th>
            <th>Health</th>
            <th>Last heartbeat</th>
            <th>Errors</th>
          </tr>
        </thead>
        <tbody>
          {(daemons.data?.daemons ?? []).map((d) => (
            <tr key={d.daemonType} data-testid="daemon" data-healthy={String(d.healthy)}>
              <td>{d.daemonType}</td>
              <td>{d.required ? 'yes' : 'no'}</td>
              <td>
                <span class={statusClass(d.healthy === null ? 'unknown' : d.healthy ? 'success' : 'failure')}>{d.healthy === null ? 'unknown' : d.healthy ? 'healthy' : 'not running'}</span>
              </td>
              <td>{time(d.lastHeartbeatTime)}</td>
              <td>{d.errors.join('; ')}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Schedules and sensors</h2>
      {instigators.data?.instigators.length === 0 && <p class="empty">No schedule or sensor has a stored state (start one with `inst schedule start`).</p>}
      {(instigators.data?.instigators ?? []).map((s) => (
        <InstigatorCard key={s.originId} instigator={s} reload={instigators.reload} />
      ))}
      <h2>Backfills</h2>
      {(backfills.data?.backfills ?? []).map((b) => {

        return (
          <div class="card" key={b.backfillId} data-testid="backfill" data-backfill-id={b.backfillId}>
            <h3>
              {b.backfillId} <span class={statusClass(b.status)}>{b.status}</span> <small>{b.jobName ?? b.assets?.join(', ')}</small>
            </h3>
            <p>
              {time(b.timestamp)} · <span data-testid="backfill-progress">{progress(b.partitions)}</span>
            </p>
            {b.error && <p class="error">{b.error}</p>}
            <div class="partition-grid">
              {b.partitions.map((p) => (
                <span key={p.name} class={`cell ${statusClass(p.status)}`} title={`${p.name}: ${p.status}`} data-testid="backfill-partition" data-status={p.status}>
                  {p.runId ? <Link href={`/runs/${p.runId}`}>{p.name}</Link> : p.name}
                </span>
              ))}
            </div>
          </div>
        );
      })}
      {backfills.data?.backfills.length === 0 && <p class="empty">No backfills.</p>}
    </section>
  );
}
