/*
 * The step timeline: one row per step, one bar per attempt (a retried attempt ends in the retry colour, the next
 * attempt starts a new bar), coloured by status; drawn as SVG by Preact from the run's step events.
 */
import type { EventJson } from './api';
import { duration } from './format';

export interface Attempt {
  start: number;
  end: number | null;
  status: 'running' | 'success' | 'failure' | 'retry' | 'skipped';
}

export interface StepTimeline {
  stepKey: string;
  attempts: Attempt[];
}

/** Step attempts from the run's events, in the order the steps started. */
export function stepTimelines(events: readonly EventJson[]): StepTimeline[] {
  const steps = new Map<string, StepTimeline>();
  const step = (key: string) => {
    let s = steps.get(key);
    if (!s) steps.set(key, (s = { stepKey: key, attempts: [] }));
    return s;
  };
  const close = (key: string, at: number, status: Attempt['status']) => {
    const open = step(key).attempts.at(-1);
    if (open && open.end === null) {
      open.end = at;
      open.status = status;
    } else step(key).attempts.push({ start: at, end: at, status });
  };
  for (const e of events) {
    if (!e.stepKey || !e.eventType) continue;
    switch (e.eventType) {
      case 'STEP_START':
      case 'STEP_RESTARTED': {
        const attempts = step(e.stepKey).attempts;
        const last = attempts.at(-1);
        if (!last || last.end !== null) attempts.push({ start: e.timestamp, end: null, status: 'running' });
        break;
      }
      case 'STEP_SUCCESS':
        close(e.stepKey, e.timestamp, 'success');
        break;
      case 'STEP_FAILURE':
        close(e.stepKey, e.timestamp, 'failure');
        break;
      case 'STEP_UP_FOR_RETRY':
        close(e.stepKey, e.timestamp, 'retry');
        break;
      case 'STEP_SKIPPED':
        close(e.stepKey, e.timestamp, 'skipped');
        break;
    }
  }
  return [...steps.values()].filter((s) => s.attempts.length > 0);
}

const ROW = 26;
const LABEL = 160;
const WIDTH = 900;

export function Gantt({ events, runEnded, now }: { events: readonly EventJson[]; runEnded: number | null; now: number }) {
  const steps = stepTimelines(events);
  if (steps.length === 0) return <p class="empty">No steps have started.</p>;
  const start = Math.min(...steps.map((s) => s.attempts[0]!.start));
  const end = Math.max(runEnded ?? 0, ...steps.flatMap((s) => s.attempts.map((a) => a.end ?? now)), start + 0.001);
  const x = (t: number) => LABEL + ((t - start) / (end - start)) * (WIDTH - LABEL - 36);
  const height = steps.length * ROW + 24;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => start + f * (end - start));
  return (
    <svg class="gantt" viewBox={`0 0 ${WIDTH} ${height}`} width="100%" role="img" aria-label="step timeline" data-testid="gantt">
      {ticks.map((t) => (
        <g key={t}>
          <line x1={x(t)} x2={x(t)} y1={0} y2={height - 18} class="gantt-grid" />
          <text x={x(t)} y={height - 4} class="gantt-axis" text-anchor="middle">
            +{duration(start, t)}
          </text>
        </g>
      ))}
      {steps.map((s, row) => (
        <g key={s.stepKey} data-testid="gantt-step" data-step-key={s.stepKey} data-attempts={s.attempts.length} data-status={s.attempts.at(-1)!.status}>
          <text x={4} y={row * ROW + 17} class="gantt-label">
            {s.stepKey}
          </text>
          {s.attempts.map((a, i) => (
            <rect
              key={i}
              data-testid="gantt-attempt"
              data-status={a.status}
              class={`gantt-bar bar-${a.status}`}
              x={x(a.start)}
              y={row * ROW + 5}
              width={Math.max(3, x(a.end ?? now) - x(a.start))}
              height={ROW - 10}
              rx={3}
            >
              <title>{`${s.stepKey} attempt ${i + 1}: ${a.status} (${duration(a.start, a.end ?? now)})`}</title>
            </rect>
          ))}
        </g>
      ))}
    </svg>
  );
}
