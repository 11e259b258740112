import { DaemonHeartbeat, DaemonStatus, DagsterRun, DagsterRunStatus, RunRecord } from '@inst/types';
import { describe, expect, it } from 'vitest';
import { daemonsJson, levelName, levelNumber, runJson } from './record-json';

describe('plain-JSON views of records', () => {
  it('a run with and without its record', () => {
    const run = new DagsterRun({ jobName: 'job', runId: 'r1', status: DagsterRunStatus.SUCCESS, tags: { team: 'data' } });
    expect(runJson(run)).toEqual({ runId: 'r1', jobName: 'job', status: 'SUCCESS', tags: { team: 'data' }, parentRunId: null, rootRunId: null, createTime: null, updateTime: null, startTime: null, endTime: null });
    const record = new RunRecord({ storageId: 1, dagsterRun: run, createTimestamp: new Date(1_000_000), updateTimestamp: new Date(2_000_000), startTime: 1001.5, endTime: 1002 });
    expect(runJson(run, record)).toMatchObject({ createTime: 1000, updateTime: 2000, startTime: 1001.5, endTime: 1002 });
  });

  it('Python logging levels by number, name in any case, or number as a string', () => {
    expect([levelName(20), levelName('warning'), levelName('40'), levelName(15), levelName('nope')]).toEqual(['INFO', 'WARNING', 'ERROR', '15', 'nope']);
    expect([levelNumber('critical'), levelNumber('10'), levelNumber('nope'), levelNumber(35)]).toEqual([50, 10, 0, 35]);
  });

  it('daemons with a status, and daemons with only a stored heartbeat', () => {
    const beat = new DaemonHeartbeat({ timestamp: 100, daemonType: 'SENSOR', daemonId: 'host-1', errors: [] });
    const statuses = new Map([['SCHEDULER', new DaemonStatus({ daemonType: 'SCHEDULER', required: true, healthy: false })]]);
    expect(daemonsJson(statuses, new Map([['SENSOR', beat]]))).toEqual([
      { daemonType: 'SCHEDULER', required: true, healthy: false, lastHeartbeatTime: null, daemonId: null, errors: [] },
      { daemonType: 'SENSOR', required: false, healthy: null, lastHeartbeatTime: 100, daemonId: 'host-1', errors: [] },
    ]);
  });
});
