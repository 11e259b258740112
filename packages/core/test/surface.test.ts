import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir } from '@inst/fixtures';
import { describe, expect, it } from 'vitest';
import { Instance } from '../src/index';
import omissions from '../surface-omissions.json' with { type: 'json' };

interface SurfaceMember {
  name: string;
  camel: string;
  kind: 'method' | 'property' | 'staticmethod';
  domain: string;
}


const surface = JSON.parse(readFileSync(join(fixturesDir(), '..', 'dagster-instance-surface.json'), 'utf8')) as SurfaceMember[];
const omitted = new Map((omissions as { camel: string; reason: string }[]).map((o) => [o.camel, o.reason]));

function hasMember(member: SurfaceMember): boolean {
  if (member.kind === 'staticmethod') return typeof (Instance as unknown as Record<string, unknown>)[member.camel] === 'function';
  for (let proto: object | null = Instance.prototype; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, member.camel);
    if (!descriptor) continue;
    return member.kind === 'property' ? typeof descriptor.get === 'function' : typeof descriptor.value === 'function';
  }
  return false;
}

describe('the DagsterInstance surface', () => {
  it('has 204 members in the contract', () => {
    expect(surface).toHaveLength(204);
  });

  it('every omission names a real member and gives a reason', () => {
    for (const [camel, reason] of omitted) {
      expect(surface.some((m) => m.camel === camel), camel).toBe(true);
      expect(reason.length, camel).toBeGreaterThan(20);
    }
  });

  it('every one of the 204 members is on Instance (as its kind) or listed as omitted with a reason', () => {
    const missing = surface
      .filter((m) => !hasMember(m) && !omitted.has(m.camel))
      .map((m) => `${m.domain}.${m.camel} (${m.kind})`);
    expect(missing).toEqual([]);
  });

  it('no omitted member is also present', () => {
    const both = surface.filter((m) => omitted.has(m.camel) && hasMember(m)).map((m) => m.camel);
    expect(both).toEqual([]);
  });
});
