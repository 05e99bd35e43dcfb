/**
 * captureLibraryFailures (src/actions/lib/runtime-cache.ts): how the runtime cache learns of the
 * failures @actions/cache prints instead of throwing, without touching anything else written to
 * stdout. The annotations are written with @actions/core, as the library writes them; what reaches
 * the step log is recorded by the `process.stdout.write` in place before each test.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import * as core from '@actions/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { captureLibraryFailures } from '../../src/actions/lib/runtime-cache.ts';

type Write = (chunk: unknown, ...rest: unknown[]) => boolean;
/** The `process.stdout.write` in place now. */
const current = (): unknown => Reflect.get(process.stdout, 'write');
let log: string[];
let recorder: Write;
let before: PropertyDescriptor | undefined;

beforeEach(() => {
  log = [];
  before = Object.getOwnPropertyDescriptor(process.stdout, 'write');
  recorder = (chunk, ...rest) => {
    log.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    const callback = rest.find((r): r is () => void => typeof r === 'function');
    if (callback) process.nextTick(callback);
    return true;
  };
  Reflect.set(process.stdout, 'write', recorder);
});
afterEach(() => {
  if (before) Object.defineProperty(process.stdout, 'write', before);
  else Reflect.deleteProperty(process.stdout, 'write');
});

describe('captureLibraryFailures', () => {
  it("takes the call's failure annotations off stdout (unescaped) and forwards its other output and workflow commands", async () => {
    const r = await captureLibraryFailures(async () => {
      core.debug('Resolved keys: k');
      core.setSecret('s3cr3t');
      core.warning('Failed to restore: socket hang up');
      await sleep(5);
      core.error('Failed to save: Unable to reserve cache (500)\n100% down');
      core.warning('Cache not found for keys: k');
      core.info('Cache hit for: k');
      return 7;
    });
    expect(r).toEqual({ value: 7, failures: ['Failed to restore: socket hang up', 'Failed to save: Unable to reserve cache (500)\n100% down'] });
    expect(log.join('')).toBe('::debug::Resolved keys: k\n::add-mask::s3cr3t\n::warning::Cache not found for keys: k\nCache hit for: k\n');
    expect(current()).toBe(recorder);
  });

  it('leaves alone what other code writes while the call runs, failure-like annotations included', async () => {
    const other = sleep(20).then(() => core.warning('Failed to restore: this is not the library'));
    const r = await captureLibraryFailures(async () => {
      await sleep(60);
      core.warning('Failed to save: the library');
      return 'done';
    });
    await other;
    expect(r.failures).toEqual(['Failed to save: the library']);
    expect(log).toEqual(['::warning::Failed to restore: this is not the library\n']);
  });

  it('filters line by line within one write, Buffers too, and still calls the callback of a write it takes off entirely', async () => {
    const r = await captureLibraryFailures(async () => {
      process.stdout.write('::debug::a\n::warning::Failed to save: b\nplain\n');
      process.stdout.write(Buffer.from('::error::Failed to restore: c\n'));
      await new Promise<void>((resolve, reject) => process.stdout.write('::warning::Cache reservation failed: d\n', (err) => (err ? reject(err) : resolve())));
      return 0;
    });
    expect(r.failures).toEqual(['Failed to save: b', 'Failed to restore: c', 'Cache reservation failed: d']);
    expect(log).toEqual(['::debug::a\nplain\n']);
  });

  it('puts process.stdout.write back when the call throws', async () => {
    await expect(
      captureLibraryFailures(async () => {
        core.warning('Failed to restore: x');
        await sleep(1);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(current()).toBe(recorder);
    core.warning('Failed to restore: after the call');
    expect(log).toEqual(['::warning::Failed to restore: after the call\n']);
  });

  it('keeps a wrapper other code installed during the call; its writes afterwards go through untouched', async () => {
    let theirs: Write | undefined;
    const seen: string[] = [];
    await captureLibraryFailures(async () => {
      const below = current() as Write;
      theirs = (chunk, ...rest) => {
        seen.push(String(chunk));
        return below(chunk, ...rest);
      };
      Reflect.set(process.stdout, 'write', theirs);
      await sleep(1);
      core.warning('Failed to restore: through their wrapper');
      return 0;
    }).then((r) => expect(r.failures).toEqual(['Failed to restore: through their wrapper']));
    expect(current()).toBe(theirs);
    core.warning('Failed to save: later, outside any call');
    expect(seen).toEqual(['::warning::Failed to restore: through their wrapper\n', '::warning::Failed to save: later, outside any call\n']);
    expect(log).toEqual(['::warning::Failed to save: later, outside any call\n']);
  });
});
