/* Assets: the list by key prefix and group with the latest materialization; an asset's history, chart, checks, partitions. */
import { useEffect, useRef } from 'preact/hooks';
import { Link, useSearchParams } from 'wouter-preact';
import uPlot from 'uplot';
import { query } from './api';
import { statusClass, time } from './format';
import { useJson } from './hooks';

interface Materialization {
  storageId: number;
  runId: string;
  timestamp: number;
  partition: string | null;
  metadata: Record<string, number | string | null>;
}

interface AssetRow {
  key: string[];
  groupName: string | null;
  partitioned: boolean | null;
  latest: Materialization | null;
}

export function AssetsPage() {
  const [params, setParams] = useSearchParams();
  const prefix = params.get('prefix') ?? '';
  const group = params.get('group') ?? '';
  const cursor = params.get('cursor');
  const assets = useJson<{ assets: AssetRow[]; groups: string[]; cursor: string | null }>(`/api/assets${query({ prefix, group, cursor })}`);
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    next.delete('cursor');
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next);
  };
  return (
    <section>
      <h1>Assets</h1>
      <div class="filters">
        <label>
          Key prefix <input data-testid="prefix-filter" value={prefix} placeholder="a/b" onChange={(e) => set('prefix', (e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Group{' '}
          <select data-testid="group-filter" value={group} onChange={(e) => set('group', (e.target as HTMLSelectElement).value)}>
            <option value="">any</option>
            {(assets.data?.groups ?? []).map((g) => (
              <option key={g} value={g}>
                {g}
              </option>
            ))}
          </select>
        </label>
      </div>
      {assets.error && <p class="error">{assets.error}</p>}
      <table class="grid" data-testid="assets-table">
        <thead>
          <tr>
            <th>Asset</th>
            <th>Group</th>
            <th>Latest materialization</th>
            <th>Run</th>
            <th>Partition</th>
          </tr>
        </thead>
        <tbody>
          {(assets.data?.assets ?? []).map((a) => (
            <tr key={a.key.join('/')} data-testid="asset-row">
              <td>
                <Link href={`/asset${query({ key: a.key.join('/') })}`}>{a.key.join(' / ')}</Link>
              </td>
              <td>{a.groupName ?? '–'}</td>
              <td>{time(a.latest?.timestamp)}</td>
              <td>{a.latest ? <Link href={`/runs/${a.latest.runId}`} class="mono">{a.latest.runId.slice(0, 8)}</Link> : '–'}</td>
              <td>{a.latest?.partition ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {assets.data?.cursor && (
        <nav class="pager">
          <Link href={`/assets${query({ prefix, group, cursor: assets.data.cursor })}`}>More →</Link>
        </nav>
      )}
    </section>
  );
}

/** A numeric metadata value over time (uPlot). */
function MetadataChart({ label, points }: { label: string; points: [number, number][] }) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) return;
    const plot = new uPlot(
      {
        width: Math.min(860, el.current.clientWidth || 860),
        height: 220,
        series: [{}, { label, stroke: '#4f6bed', width: 2, points: { show: true, size: 6 } }],
        axes: [{}, { label }],
      },
      [points.map((p) => p[0]), points.map((p) => p[1])],
      el.current,
    );
    return () => plot.destroy();
  }, [label, JSON.stringify(points)]);
  return <div ref={el} class="chart" data-testid="metadata-chart" data-label={label} data-points={points.map((p) => p[1]).join(',')} />;
}

interface AssetDetail {
  key: string[];
  groupName: string | null;
  materializations: Materialization[];
  cursor: string | null;
  checks: { name: string; status: string | null; runId: string | null; timestamp: number | null; passed: boolean | null; description: string | null }[];
  partitions: { keys: string[]; status: Record<string, string>; fromCode: boolean } | null;
}

export function AssetPage() {
  const [params] = useSearchParams();
  const key = params.get('key') ?? '';
  const cursor = params.get('cursor');
  const asset = useJson<AssetDetail>(`/api/asset${query({ key, cursor })}`);
  if (asset.error) return <p class="error">{asset.error}</p>;
  const a = asset.data;
  if (!a) return <p>Loading…</p>;
  // Numeric metadata labels with at least two points, oldest first.
  const series = new Map<string, [number, number][]>();
  for (const m of [...a.materializations].reverse()) {
    for (const [label, value] of Object.entries(m.metadata)) if (typeof value === 'number') series.set(label, [...(series.get(label) ?? []), [m.timestamp, value]]);
  }
  const charted = [...series].filter(([, points]) => points.length >= 2);
  return (
    <section>
      <p>
        <Link href="/assets">← Assets</Link>
      </p>
      <h1>{a.key.join(' / ')}</h1>
      {a.groupName && <p>Group: {a.groupName}</p>}
      {a.partitions && (
        <>
          <h2>Partitions</h2>
          <div class="legend">
            {['MATERIALIZED', 'FAILED', 'IN_PROGRESS', 'MISSING'].map((s) => (
              <span key={s} class={`cell cell-${s.toLowerCase()}`}>
                {s.toLowerCase().replace('_', ' ')} ({a.partitions!.keys.filter((k) => a.partitions!.status[k] === s).length})
              </span>
            ))}
          </div>
          <div class="partition-grid" data-testid="partition-grid">
            {a.partitions.keys.map((k) => (
              <span key={k} class={`cell cell-${a.partitions!.status[k]!.toLowerCase()}`} title={`${k}: ${a.partitions!.status[k]}`} data-testid="partition" data-partition={k} data-status={a.partitions!.status[k]}>
                {k}
              </span>
            ))}
          </div>
        </>
      )}
      {charted.map(([label, points]) => (
        <div key={label}>
          <h2>{label}</h2>
          <MetadataChart label={label} points={points} />
        </div>
      ))}
      <h2>Checks</h2>
      {a.checks.length === 0 ? (
        <p class="empty">No checks have run.</p>
      ) : (
        <table class="grid" data-testid="checks-table">
          <thead>
            <tr>
              <th>Check</th>
              <th>Status</th>
              <th>When</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {a.checks.map((c) => (
              <tr key={c.name} data-testid="check-row">
                <td>{c.name}</td>
                <td>
                  <span class={statusClass(c.status)}>{c.status ?? '–'}</span>
                </td>
                <td>{time(c.timestamp)}</td>
                <td>{c.runId ? <Link href={`/runs/${c.runId}`} class="mono">{c.runId.slice(0, 8)}</Link> : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Materializations</h2>
      <table class="grid" data-testid="materializations-table">
        <thead>
          <tr>
            <th>When</th>
            <th>Run</th>
            <th>Partition</th>
            <th>Metadata</th>
          </tr>
        </thead>
        <tbody>
          {a.materializations.map((m) => (
            <tr key={m.storageId}>
              <td>{time(m.timestamp)}</td>
              <td>
                <Link href={`/runs/${m.runId}`} class="mono">
                  {m.runId.slice(0, 8)}
                </Link>
              </td>
              <td>{m.partition ?? ''}</td>
              <td>
                {Object.entries(m.metadata)
                  .map(([k, v]) => `${k}: ${String(v)}`)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {a.cursor && (
        <nav class="pager">
          <Link href={`/asset${query({ key, cursor: a.cursor })}`}>Older →</Link>
        </nav>
      )}
    </section>
  );
}
