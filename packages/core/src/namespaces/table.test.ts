import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '@inst/fixtures';
import { InstanceSettings } from '@inst/settings';
import { AssetKey } from '@inst/types';
import { describe, expect, it } from 'vitest';
import type { Instance } from '../instance';
import { assetsNamespace } from './assets';
import { backfillsNamespace } from './backfills';
import { daemonsNamespace } from './daemons';
import { eventsNamespace } from './events';
import { NAMESPACED_FORMS } from './map';
import { partitionsNamespace } from './partitions';
import { runsNamespace } from './runs';
import { schedulesNamespace } from './schedules';
import { settingsNamespace } from './settings';
import { sensorsNamespace } from './sensors';
import { snapshotsNamespace } from './snapshots';
import { storageNamespace } from './storage';
import { namespaceTable } from './table';

const surface = (JSON.parse(readFileSync(join(fixturesDir(), '..', 'dagster-instance-surface.json'), 'utf8')) as { camel: string }[]).map((m) => m.camel);

const FACTORIES: Record<string, (instance: Instance) => object> = {
  runs: runsNamespace,
  events: eventsNamespace,
  snapshots: snapshotsNamespace,
  daemons: daemonsNamespace,
  assets: assetsNamespace,
  partitions: partitionsNamespace,
  schedules: schedulesNamespace,
  sensors: sensorsNamespace,
  backfills: backfillsNamespace,
  storage: storageNamespace,
  settings: (instance) => settingsNamespace(instance, new InstanceSettings({})),
};

/** Arguments for the few forms that need more than `{}` to reach their flat member. */
const ARGS: Record<string, unknown> = { 'assets.wipe': { assetKeys: [new AssetKey('a')] } };

/** An instance stand-in that records which members are read, each method answering an empty page. */
function recordingInstance(read: string[]): Instance {
  const page = { records: [], results: [], cursor: null, hasMore: false };
  return new Proxy({} as Instance, {
    get(_target, property) {
      read.push(String(property));
      const spy = (..._args: unknown[]) => Promise.resolve(page);
      return spy;
    },
  });
}

describe('the namespaced API table', () => {
  it('has every DagsterInstance member, and nothing else', () => {
    expect(Object.keys(NAMESPACED_FORMS).sort()).toEqual([...surface].sort());
  });

  it.each(Object.entries(NAMESPACED_FORMS).filter(([, form]) => !form.startsWith('—')))(
    '%s: instance.%s calls the flat member',
    async (flat, form) => {
      const [namespace, member] = form.split('.') as [string, string];
      const read: string[] = [];
      const ns = FACTORIES[namespace]!(recordingInstance(read)) as Record<string, unknown>;
      const descriptor = Object.getOwnPropertyDescriptor(ns, member);
      expect(descriptor, `${form} does not exist`).toBeDefined();
      if (descriptor!.get) {
        void ns[member];
      } else {
        const result = (ns[member] as (arg: unknown) => unknown)(ARGS[form] ?? {});
        if (result && typeof (result as AsyncIterator<unknown>).next === 'function') await (result as AsyncIterator<unknown>).next();
        else await result;
      }
      expect(read).toContain(flat);
    },
  );

  it('instance.settings also has the InstanceSettings members that are not flat members (config, storageConfig)', () => {
    const ns = settingsNamespace({} as Instance, new InstanceSettings({ telemetry: { enabled: false } }));
    expect(ns.config.telemetry).toEqual({ enabled: false });
    expect(ns.storageConfig.kind).toBe('default');
  });

  it('is the table in README.md (regenerate: pnpm exec tsx scripts/namespace-table.ts)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(namespaceTable(surface));
    expect(readme).toContain('## Namespaced API');
  });
});
