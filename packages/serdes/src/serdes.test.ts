import fc from 'fast-check';
import { DeserializationError, SerializationError } from '@inst/errors';
import { describe, expect, it } from 'vitest';
import {
  FrozenSet,
  PyEnumValue,
  PyFloat,
  Registry,
  UnknownRecord,
  createSnapshotId,
  compressSnapshot,
  decompressSnapshot,
  defineEnum,
  deserializeValue,
  initRecord,
  registerRecord,
  replaceRecord,
  serializeValue,
  t,
} from './index';

// A private registry, so these test classes do not leak into the default one.
const registry = new Registry();
const Status = defineEnum('RunStatus', { SUCCESS: 'SUCCESS', RUN_FAILURE: 'PIPELINE_FAILURE' }, { storageName: 'PipelineRunStatus', registry, memberAliases: { OLD_FAILURE: 'RUN_FAILURE' } });

class Key {
  declare readonly path: readonly string[];
  constructor(init: { path: readonly string[] }) {
    initRecord(this, init, registry);
  }
}
registerRecord(Key, { name: 'AssetKey', fields: { path: { type: t.list(t.str) } }, pyStr: (k: Key) => `AssetKey(${JSON.stringify(k.path)})` }, registry);

class Run {
  declare readonly jobName: string;
  declare readonly runId: string;
  declare readonly status: string;
  declare readonly tags: Record<string, string>;
  declare readonly startTime: number | null;
  declare readonly selection: ReadonlySet<Key> | null;
  declare readonly extra: unknown;
  constructor(init: Partial<Run> & { jobName: string; runId: string; status: string }) {
    initRecord(this, init, registry);
  }
}
registerRecord(
  Run,
  {
    name: 'DagsterRun',
    storageName: 'PipelineRun',
    oldStorageNames: ['OldRun'],
    fields: {
      jobName: { type: t.str, stored: 'pipeline_name' },
      runId: { type: t.str },
      status: { type: t.enum(Status) },
      tags: { type: t.dict(t.str), default: () => ({}) },
      startTime: { type: t.nullable(t.float), default: null },
      selection: { type: t.nullable(t.frozenset(t.record(Key))), default: null, skipWhenNone: true },
      extra: { default: null, skipWhenEmpty: true },
    },
    oldFields: { mode: null },
  },
  registry,
);

const ser = (v: unknown) => serializeValue(v, { registry });
const de = (s: string) => deserializeValue(s, { registry });

describe('serializeValue', () => {
  it('writes sorted keys with Python separators, renames, enums and old fields', () => {
    const run = new Run({ jobName: 'foo', runId: 'r1', status: 'SUCCESS', tags: { b: '1', a: '2' }, startTime: 1000 });
    expect(ser(run)).toBe(
      '{"__class__": "PipelineRun", "mode": null, "pipeline_name": "foo", "run_id": "r1", "start_time": 1000.0, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}, "tags": {"a": "2", "b": "1"}}',
    );
  });

  it('writes enum members by name, not value', () => {
    const run = new Run({ jobName: 'j', runId: 'r', status: 'PIPELINE_FAILURE' });
    expect(ser(run)).toContain('{"__enum__": "PipelineRunStatus.RUN_FAILURE"}');
    expect(() => ser(new Run({ jobName: 'j', runId: 'r', status: 'NOPE' }))).toThrow(SerializationError);
  });

  it('sorts sets by Python str and tags set kinds', () => {
    const run = new Run({ jobName: 'j', runId: 'r', status: 'SUCCESS', selection: new FrozenSet([new Key({ path: ['b'] }), new Key({ path: ['a'] })]) });
    expect(ser(run)).toContain('"selection": {"__frozenset__": [{"__class__": "AssetKey", "path": ["a"]}, {"__class__": "AssetKey", "path": ["b"]}]}');
    expect(ser(new Set(['b', 'a', 'c']))).toBe('{"__set__": ["a", "b", "c"]}');
    expect(ser(new Map<unknown, unknown>([[1, 'x'], [[1, 2], 'y']]))).toBe('{"__mapping_items__": [[1, "x"], [[1, 2], "y"]]}');
  });

  it('skips empty and None fields as declared', () => {
    const text = ser(new Run({ jobName: 'j', runId: 'r', status: 'SUCCESS', extra: [] }));
    expect(text).not.toContain('extra');
    expect(text).not.toContain('selection');
    expect(ser(new Run({ jobName: 'j', runId: 'r', status: 'SUCCESS', extra: [1] }))).toContain('"extra": [1]');
  });

  it('writes numbers as Python does', () => {
    expect(ser([1, 1.5, new PyFloat(2), 1e-5, new PyFloat(1e16), 2n ** 70n, NaN, -Infinity])).toBe(
      '[1, 1.5, 2.0, 1e-05, 1e+16, 1180591620717411303424, NaN, -Infinity]',
    );
  });

  it('refuses classes that are not registered', () => {
    expect(() => ser({ a: [new Date()] })).toThrow(/Date at \$\.a\[0\] is not a registered serdes class/);
  });
});

describe('deserializeValue', () => {
  it('reads records, renames, enums and defaults', () => {
    const run = de('{"__class__": "PipelineRun", "pipeline_name": "foo", "run_id": "r1", "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}') as Run;
    expect(run).toBeInstanceOf(Run);
    expect(run.jobName).toBe('foo');
    expect(run.status).toBe(Status.SUCCESS);
    expect(run.tags).toEqual({});
    expect(run.startTime).toBeNull();
    expect(Object.isFrozen(run)).toBe(true);
  });

  it('reads old class names and old enum members', () => {
    const run = de('{"__class__": "OldRun", "pipeline_name": "x", "run_id": "r", "status": {"__enum__": "RunStatus.OLD_FAILURE"}}') as Run;
    expect(run).toBeInstanceOf(Run);
    expect(run.status).toBe('PIPELINE_FAILURE');
  });

  it('keeps integral floats, big ints, unknown fields, classes and enums so the bytes come back', () => {
    const docs = [
      '{"__class__": "PipelineRun", "mode": "default", "newer_field": {"x": 1.0}, "pipeline_name": "foo", "run_id": "r", "start_time": 5.0, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}',
      '{"__class__": "OldRun", "pipeline_name": "foo", "run_id": "r", "status": {"__enum__": "RunStatus.SUCCESS"}}',
      '{"__class__": "SomethingNew", "a": [1.0, 2, {"__enum__": "Other.X"}], "b": {"__frozenset__": ["z", "a"]}}',
      '[12345678901234567890, -0.0, 1e-05, NaN, Infinity, -Infinity, {"__set__": [3, 1]}]',
      '{"k": "line\\nbreak", "\\u00e9": "\\ud83d\\ude00"}',
    ];
    for (const doc of docs) expect(ser(de(doc))).toBe(doc);
    const unknown = de(docs[2]!) as UnknownRecord;
    expect(unknown).toBeInstanceOf(UnknownRecord);
    expect(unknown.className).toBe('SomethingNew');
    expect((unknown.fields.a as unknown[])[2]).toEqual(new PyEnumValue('Other', 'X'));
  });

  it('writes a set back as the kind it was stored as, even in a frozenset field', () => {
    const doc = '{"__class__": "PipelineRun", "pipeline_name": "j", "run_id": "r", "selection": {"__set__": [{"__class__": "AssetKey", "path": ["b"]}, {"__class__": "AssetKey", "path": ["a"]}]}, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}';
    const run = de(doc) as Run;
    expect(run.selection).toBeInstanceOf(Set);
    expect(ser(run)).toBe(doc);
  });

  it('replaceRecord changes fields and keeps unknown ones', () => {
    const run = de('{"__class__": "PipelineRun", "newer": 1, "pipeline_name": "foo", "run_id": "r", "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}') as Run;
    const failed = replaceRecord(run, { status: Status.RUN_FAILURE }, registry);
    expect(failed.status).toBe('PIPELINE_FAILURE');
    expect(failed.jobName).toBe('foo');
    expect(ser(failed)).toBe(
      '{"__class__": "PipelineRun", "mode": null, "newer": 1, "pipeline_name": "foo", "run_id": "r", "start_time": null, "status": {"__enum__": "PipelineRunStatus.RUN_FAILURE"}, "tags": {}}',
    );
  });

  it('throws a typed error naming the path for malformed JSON or wrong shapes', () => {
    const cases: [string, RegExp][] = [
      ['{"a": [1, 2', /^\$\.a: expected ',' or '\]'/],
      ['{"a": [1, ', /^\$\.a\[1\]: unexpected end of document/],
      ['{"a": tru}', /^\$\.a: expected true/],
      ['{"__class__": "PipelineRun", "pipeline_name": 3, "run_id": "r", "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}', /^\$\.pipeline_name: expected a string, got number 3/],
      ['{"__class__": "PipelineRun", "pipeline_name": "x", "run_id": "r", "status": {"__enum__": "PipelineRunStatus.NOPE"}}', /^\$\.status: RunStatus has no member NOPE/],
      ['{"__class__": "PipelineRun", "run_id": "r", "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}', /^\$: DagsterRun is missing required field pipeline_name/],
      ['[1] x', /unexpected text after the JSON value/],
    ];
    for (const [doc, message] of cases) {
      let error: unknown;
      try {
        de(doc);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DeserializationError);
      expect((error as Error).message).toMatch(message);
    }
  });

  it('checks the root class when asked', () => {
    expect(() => deserializeValue('{"__class__": "AssetKey", "path": ["a"]}', { registry, as: Run })).toThrow(/expected DagsterRun, got AssetKey/);
  });

  it('round-trips arbitrary JSON written the Python way', () => {
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null));
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node'))),
    })).node;
    fc.assert(
      fc.property(tree, (value) => {
        const text = ser(value);
        expect(ser(de(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });
});

describe('lazy decoding', () => {
  const lazy = (s: string) => deserializeValue(s, { registry, lazy: true });
  /** Reads every member, all the way down (so every lazy field decodes). */
  const touch = (value: unknown): unknown => {
    if (value instanceof Set || value instanceof Map) for (const item of value) touch(item);
    else if (typeof value === 'object' && value !== null) for (const key of Object.keys(value)) touch((value as Record<string, unknown>)[key]);
    return value;
  };

  it('reads the same values and writes the same bytes as eager reading', () => {
    const key = fc.array(fc.string(), { maxLength: 3 }).map((path) => new Key({ path }));
    const leaf = fc.oneof(fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer().map((n) => new PyFloat(n)), fc.boolean(), fc.constant(null), key);
    const tree = fc.letrec((tie) => ({
      node: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('node')), fc.dictionary(fc.string(), tie('node')), tie('run')),
      run: fc
        .record({
          jobName: fc.string(),
          runId: fc.string(),
          status: fc.constantFrom('SUCCESS', 'PIPELINE_FAILURE'),
          tags: fc.dictionary(fc.string(), fc.string()),
          startTime: fc.oneof(fc.constant(null), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true })),
          selection: fc.oneof(fc.constant(null), fc.array(key, { maxLength: 3 }).map((keys) => new FrozenSet(keys))),
          extra: tie('node'),
        })
        .map((init) => new Run(init)),
    }));
    fc.assert(
      fc.property(tree.run, (run) => {
        const text = ser(run);
        const read = lazy(text);
        expect(ser(read)).toBe(text);
        expect(touch(lazy(text))).toEqual(de(text));
        expect(ser(touch(lazy(text)))).toBe(text);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps old names, unknown fields and integral floats at every depth', () => {
    const docs = [
      '{"__class__": "PipelineRun", "mode": "default", "newer_field": {"x": 1.0}, "pipeline_name": "foo", "run_id": "r", "start_time": 5.0, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}',
      '{"__class__": "OldRun", "extra": {"__class__": "OldRun", "extra": [2.0, {"__class__": "AssetKey", "path": ["a"]}], "pipeline_name": "in", "run_id": "s", "status": {"__enum__": "RunStatus.OLD_FAILURE"}}, "pipeline_name": "foo", "run_id": "r", "status": {"__enum__": "RunStatus.SUCCESS"}}',
      '{"__class__": "PipelineRun", "pipeline_name": "j", "run_id": "r", "selection": {"__set__": [{"__class__": "AssetKey", "path": ["b"]}, {"__class__": "AssetKey", "path": ["a"]}]}, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}',
    ];
    for (const doc of docs) {
      expect(ser(lazy(doc))).toBe(doc);
      expect(touch(lazy(doc))).toEqual(de(doc));
    }
    const run = lazy(docs[1]!) as Run;
    expect(Object.isFrozen(run)).toBe(true);
    expect(Object.keys(run)).toEqual(Object.keys(de(docs[1]!) as Run));
    expect((run.extra as Run).status).toBe('PIPELINE_FAILURE');
    expect(((run.extra as Run).extra as unknown[])[1]).toBeInstanceOf(Key);
  });

  it('checks the JSON, the root class and the root fields when reading; a nested field when it is first read', () => {
    expect(() => lazy('{"a": [1, 2')).toThrow(DeserializationError);
    expect(() => deserializeValue('{"__class__": "AssetKey", "path": ["a"]}', { registry, lazy: true, as: Run })).toThrow(/expected DagsterRun, got AssetKey/);
    expect(() => lazy('{"__class__": "PipelineRun", "pipeline_name": 3, "run_id": "r", "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}')).toThrow(/^\$\.pipeline_name: expected a string/);
    const doc = '{"__class__": "PipelineRun", "pipeline_name": "x", "run_id": "r", "selection": {"__frozenset__": [{"__class__": "AssetKey", "path": [1]}]}, "status": {"__enum__": "PipelineRunStatus.SUCCESS"}}';
    const eager = (() => {
      try {
        de(doc);
      } catch (e) {
        return e as Error;
      }
      throw new Error('eager reading did not fail');
    })();
    const run = lazy(doc) as Run;
    expect(run.jobName).toBe('x');
    for (let i = 0; i < 2; i++) {
      let error: unknown;
      try {
        void run.selection;
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DeserializationError);
      expect((error as Error).message).toBe(eager.message);
    }
  });
});

describe('snapshots', () => {
  // Expected values computed with Python: json.dumps(v, sort_keys=True), hashlib.sha1, zlib.compress.
  const value = { b: [new PyFloat(1), 'é'], a: 1 };
  it('ids are the SHA-1 of the serialized bytes', () => {
    expect(ser(value)).toBe('{"a": 1, "b": [1.0, "\\u00e9"]}');
    expect(createSnapshotId(value, { registry })).toBe('702668eba263d89ff512255af760818af8f96987');
  });
  it('bodies are compressed as zlib.compress does', () => {
    const body = compressSnapshot(ser(value));
    expect(body.toString('hex')).toBe('789cab564a54b25230d451504a02d2d1867a0640664ca98141aaa5526c2d006825071b');
    expect(decompressSnapshot(body)).toBe(ser(value));
    expect(() => decompressSnapshot(Buffer.from('not zlib'))).toThrow(DeserializationError);
  });
});
