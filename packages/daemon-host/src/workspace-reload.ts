/**
 * A workspace the daemon host reloads periodically (Dagster's controller reloads its workspace every 60 s,
 * `RELOAD_WORKSPACE_INTERVAL`), so changed user code — new schedules, sensors, jobs — is seen without restarting the
 * host. A location that fails to load on a reload keeps its last good version; a location that is gone from the
 * workspace is dropped.
 */
import type { CodeLocationLike, WorkspaceLike } from './workspace';

/** What one reload did, by location name. */
export interface WorkspaceReloadResult {
  /** Locations whose new version loaded (their snapshot answered). */
  readonly reloaded: readonly string[];
  /** Locations whose new version failed: the last good version stays. */
  readonly failed: readonly { readonly name: string; readonly error: unknown }[];
  /** Locations no longer in the workspace. */
  readonly removed: readonly string[];
}

/** A {@link WorkspaceLike} with `reload()`. */
export interface ReloadableWorkspace extends WorkspaceLike {
  reload(): Promise<WorkspaceReloadResult>;
}

/** Seconds between two reloads of the workspace by the daemon host (Dagster: 60). */
export const WORKSPACE_RELOAD_INTERVAL_SECONDS = 60;

/** Whether a workspace is a {@link ReloadableWorkspace}. */
export function isReloadable(workspace: WorkspaceLike | null | undefined): workspace is ReloadableWorkspace {
  return typeof (workspace as Partial<ReloadableWorkspace> | null | undefined)?.reload === 'function';
}

async function disposeLocation(location: CodeLocationLike): Promise<void> {
  const disposable = location as { dispose?: () => Promise<void> };
  await disposable.dispose?.().catch(() => undefined);
}

/**
 * A workspace loaded by `load`, loaded again by each `reload()`. Replaced versions of locations are disposed at the
 * next reload (or at `dispose`), not at once, so an iteration still using one finishes with it.
 */
export async function reloadableWorkspace(load: () => Promise<WorkspaceLike>): Promise<ReloadableWorkspace> {
  let current: CodeLocationLike[] = [...(await load()).locations];
  let retired: CodeLocationLike[] = [];
  let reloading: Promise<WorkspaceReloadResult> | null = null;

  const reloadOnce = async (): Promise<WorkspaceReloadResult> => {
    const toDispose = retired;
    retired = [];
    await Promise.all(toDispose.map(disposeLocation));
    let fresh: WorkspaceLike;
    try {
      fresh = await load();
    } catch (error) {
      // The workspace itself (its file) does not load: every location keeps its last good version.
      return { reloaded: [], failed: current.map((l) => ({ name: l.name, error })), removed: [] };
    }
    const byName = new Map(current.map((l) => [l.name, l]));
    const next: CodeLocationLike[] = [];
    const reloaded: string[] = [];
    const failed: { name: string; error: unknown }[] = [];
    for (const location of fresh.locations) {
      const previous = byName.get(location.name);
      byName.delete(location.name);
      try {
        await location.snapshot();
        next.push(location);
        reloaded.push(location.name);
        if (previous) retired.push(previous);
      } catch (error) {
        failed.push({ name: location.name, error });
        void disposeLocation(location);
        if (previous) next.push(previous);
      }
    }
    const removed = [...byName.keys()];
    retired.push(...byName.values());
    current = next;
    return { reloaded, failed, removed };
  };

  return {
    get locations() {
      return current;
    },
    reload() {
      // Two callers at once share one reload.
      reloading ??= reloadOnce().finally(() => {
        reloading = null;
      });
      return reloading;
    },
    async dispose() {
      await reloading?.catch(() => undefined);
      const all = [...current, ...retired];
      current = [];
      retired = [];
      await Promise.all(all.map(disposeLocation));
    },
  };
}
