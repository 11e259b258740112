/*
 * The assets API: keys by prefix (cursor paged) with their latest materialization and group; one asset's
 * materialization history (paged), numeric metadata series, checks and partition status grid.
 */
import type { CodeLocation, Workspace } from '@inst/code-location';
import type { Instance } from '@inst/core';
import { staticPartitionsDefinition } from '@inst/assets';
import { AssetCheckKey, AssetKey, DagsterEventType, type EventLogRecord } from '@inst/types';
import type { Hono } from 'hono';
import { badRequest, limitOf } from './http';

function keyOf(raw: string | undefined): AssetKey {
  if (!raw) throw badRequest('pass the asset key as ?key=a/b');
  return new AssetKey(raw.split('/'));
}

interface AssetNodeInfo {
  key: AssetKey;
  groupName: string | null;
  partitioned: boolean;
  jobNames: readonly string[];
  location: CodeLocation;
}

/** The code's asset nodes by key string (groups, partitioning), when the UI was given a workspace. */
async function assetNodes(workspace: Workspace | undefined): Promise<Map<string, AssetNodeInfo>> {
  const nodes = new Map<string, AssetNodeInfo>();
  for (const location of workspace?.locations ?? []) {
    const snapshot = await location.snapshot().catch(() => null);
    for (const node of snapshot?.assetNodes ?? []) {
      const key = new AssetKey(node.assetKey);
      nodes.set(key.toString(), { key, groupName: node.groupName, partitioned: node.partitioned, jobNames: node.jobNames, location });
    }
  }
  return nodes;
}

/** The keys of a group's asset nodes under `prefix`, in key order, after `cursor` (a key string), at most `limit`. */
function groupKeys(nodes: ReadonlyMap<string, AssetNodeInfo>, group: string, prefix: readonly string[], cursor: string | null, limit: number): AssetKey[] {
  return [...nodes.values()]
    .filter((node) => node.groupName === group)
    .map((node) => node.key)
    .filter((key) => prefix.every((part, i) => key.path[i] === part))
    .sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0))
    .filter((key) => cursor === null || key.toString() > cursor)
    .slice(0, limit);
}

function materializationJson(record: EventLogRecord) {
  const entry = record.eventLogEntry;
  const materialization = entry.assetMaterialization;
  const metadata: Record<string, unknown> = {};
  for (const [label, value] of Object.entries(materialization?.metadata ?? {})) metadata[label] = metadataValue(value);
  return { storageId: record.storageId, runId: entry.runId, timestamp: entry.timestamp, partition: materialization?.partition ?? null, metadata };
}

/** A metadata value as a plain number (int, float) or text. */
function metadataValue(value: unknown): number | string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number' || typeof value === 'string') return value;
  const v = value as { value?: unknown; text?: unknown; path?: unknown; url?: unknown };
  const inner = v.value ?? v.text ?? v.path ?? v.url;
  if (typeof inner === 'number' || typeof inner === 'string') return inner;
  return JSON.stringify(inner ?? value);
}

const HISTORY_PAGE = 100;
/** The checks of an asset are looked up in the runs of at most this many of its latest materializations. */
const CHECK_RUNS = 20;
/** At most this many partitions in the grid (a time-partitioned asset over years is paged by the page's range). */
const GRID_LIMIT = 2000;

async function partitionKeysOf(instance: Instance, key: AssetKey, node: AssetNodeInfo | undefined): Promise<{ keys: string[]; fromCode: boolean }> {
  if (node?.partitioned && node.jobNames[0]) {
    const keys = await node.location.partitionKeys(node.jobNames[0]).catch(() => null);
    if (keys) return { keys: keys.slice(0, GRID_LIMIT), fromCode: true };
  }
  // Without the code: the partitions the event log knows (materialized, planned or failed).
  const seen = new Set(await instance.getMaterializedPartitions(key));
  for (const fetch of [instance.fetchPlannedMaterializations.bind(instance), instance.fetchFailedMaterializations.bind(instance)]) {
    const page = await fetch(key, GRID_LIMIT);
    for (const record of page.records) {
      const partition = record.eventLogEntry.dagsterEvent?.partition;
      if (partition) seen.add(partition);
    }
  }
  return { keys: [...seen].sort().slice(0, GRID_LIMIT), fromCode: false };
}

export function mountAssets(app: Hono, instance: Instance, workspace: Workspace | undefined): void {
  app.get('/api/assets', async (c) => {
    const prefix = (c.req.query('prefix') ?? '').split('/').filter(Boolean);
    const group = c.req.query('group') || null;
    const limit = limitOf(c.req.query('limit'), 100, 1000);
    const cursor = c.req.query('cursor') || null;
    const nodes = await assetNodes(workspace);
    // A group is the code's (storage has no group column): its keys come from the code's asset nodes, paged the same way.
    const keys = group ? groupKeys(nodes, group, prefix, cursor, limit + 1) : await instance.getAssetKeys(prefix.length ? prefix : null, limit + 1, cursor);
    const page = keys.slice(0, limit);
    const records = new Map((await instance.getAssetRecords(page)).map((r) => [r.assetEntry.assetKey.toString(), r]));
    const assets = page
      .map((key) => {
        const record = records.get(key.toString());
        const last = record?.assetEntry.lastMaterializationRecord ?? null;
        const node = nodes.get(key.toString());
        return { key: key.path, groupName: node?.groupName ?? null, partitioned: node?.partitioned ?? null, latest: last ? materializationJson(last) : null };
      });
    return c.json({ assets, groups: [...new Set([...nodes.values()].map((n) => n.groupName).filter(Boolean))].sort(), cursor: keys.length > limit ? page.at(-1)!.toString() : null });
  });

  app.get('/api/asset', async (c) => {
    const key = keyOf(c.req.query('key'));
    const history = await instance.fetchMaterializations(key, limitOf(c.req.query('limit'), HISTORY_PAGE, 1000), c.req.query('cursor') || null);
    const nodes = await assetNodes(workspace);
    const node = nodes.get(key.toString());

    // Checks: those evaluated (or planned) in the runs of the recent materializations — the event log has no asset
    // key column for check events, so they are found by run (bounded: one page of history, one query per run).
    const checkNames = new Set<string>();
    const runIds = [...new Set(history.records.map((r) => r.eventLogEntry.runId))].filter(Boolean).slice(0, CHECK_RUNS);
    for (const runId of runIds) {
      const page = await instance.getRecordsForRun(runId, null, [DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, DagsterEventType.ASSET_CHECK_EVALUATION], 200);
      for (const record of page.records) {
        const data = record.eventLogEntry.dagsterEvent?.eventSpecificData as { checkName?: string; assetKey?: AssetKey } | null | undefined;
        if (data?.checkName && data.assetKey?.toString() === key.toString()) checkNames.add(data.checkName);
      }
    }
    const checkKeys = [...checkNames].sort().map((name) => new AssetCheckKey({ assetKey: key, name }));
    const latest = checkKeys.length ? await instance.eventLogStorage.getLatestAssetCheckExecutionByKey(checkKeys) : new Map();
    const checks = checkKeys.map((checkKey) => {
      const execution = latest.get(checkKey);
      const evaluation = execution?.event?.dagsterEvent?.eventSpecificData as { passed?: boolean; severity?: unknown; description?: string | null } | undefined;
      return {
        name: checkKey.name,
        status: execution ? String(execution.status) : null,
        runId: execution?.runId ?? null,
        timestamp: execution?.createTimestamp ?? null,
        passed: evaluation?.passed ?? null,
        description: evaluation?.description ?? null,
      };
    });

    let partitions: { keys: string[]; status: Record<string, string>; fromCode: boolean } | null = null;
    const { keys, fromCode } = await partitionKeysOf(instance, key, node);
    if (keys.length) {
      const byPartition = await instance.getStatusByPartition(key, keys, staticPartitionsDefinition(keys));
      const status: Record<string, string> = {};
      for (const k of keys) status[k] = byPartition?.get(k) ? String(byPartition.get(k)) : 'MISSING';
      partitions = { keys, status, fromCode };
    }
    return c.json({
      key: key.path,
      groupName: node?.groupName ?? null,
      materializations: history.records.map(materializationJson),
      cursor: history.hasMore ? history.cursor : null,
      checks,
      partitions,
    });
  });
}
