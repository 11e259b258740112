import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { deserializeValue, serializeValue } from '@inst/serdes';
import { DagsterRun, ManagedGrpcPythonEnvCodeLocationOrigin } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { ChildProcessCodeLocation } from './child-process-code-location';
import { CodeLocationLoadError } from './errors';
import { processIsAlive, runWorkerOf, runWorkerTagValue } from './run-worker';
import { jobCodeOrigin, remoteJobOrigin, targetOfRun } from './target';

const target = { locationName: 'etl_location', file: '/srv/defs/etl.ts', module: null, workingDirectory: '/srv/defs', attribute: 'defs' };

describe('origins', () => {
  it("record the location Dagster's way and give the target back after a storage round trip", () => {
    const run = new DagsterRun({ jobName: 'etl', runId: '6a0d4c3e-1111-4d5e-9a1b-2c3d4e5f6a7b', remoteJobOrigin: remoteJobOrigin(target, 'etl'), jobCodeOrigin: jobCodeOrigin(target, 'etl') });
    const text = serializeValue(run);
    expect(text).toContain('"__class__": "ExternalPipelineOrigin"');
    expect(text).toContain('"__class__": "ManagedGrpcPythonEnvRepositoryLocationOrigin"');
    expect(text).toContain('"__class__": "PipelinePythonOrigin"');
    expect(text).toContain('"python_file": "/srv/defs/etl.ts"');
    const stored = deserializeValue(text) as DagsterRun;
    expect(stored.remoteJobOrigin?.repositoryOrigin.codeLocationOrigin).toBeInstanceOf(ManagedGrpcPythonEnvCodeLocationOrigin);
    expect(targetOfRun(stored)).toEqual(target);
  });

  it('refuses a run that records no code', () => {
    expect(() => targetOfRun(new DagsterRun({ jobName: 'x', runId: '6a0d4c3e-1111-4d5e-9a1b-2c3d4e5f6a7c' }))).toThrow(/does not record where its code lives/);
  });
});

describe('run worker tag', () => {
  it('round-trips host and pid, and tells live processes from dead ones', async () => {
    expect(runWorkerOf({ '.inst/run_worker': runWorkerTagValue(4242, 'box') })).toEqual({ host: 'box', pid: 4242 });
    expect(runWorkerOf({ '.inst/run_worker': 'nonsense' })).toBeNull();
    expect(processIsAlive(process.pid)).toBe(true);
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((resolve) => child.once('exit', resolve));
    expect(processIsAlive(child.pid!)).toBe(false);
  });
});

describe('a module without a Definitions export', () => {
  it('fails to load with a typed error saying what it found', async () => {
    const dir = fileURLToPath(new URL('../test/fixtures/not-defs/', import.meta.url));
    await using location = new ChildProcessCodeLocation({ locationName: 'nd', file: `${dir}defs.ts`, workingDirectory: dir }, { output: 'ignore' });
    const error = await location.snapshot().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodeLocationLoadError);
    expect((error as CodeLocationLoadError).message).toMatch(/default export of .*defs\.ts must be a Definitions; found a object \(Object\)/);
  });
});
