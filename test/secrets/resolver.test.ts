import { describe, expect, it } from 'vitest';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import {
  AgedCache,
  cachingResolver,
  REFRESH_MIN_AGE_MS,
  rememberSettled,
} from '../../lib/secrets/resolver.ts';

describe('AgedCache', () => {
  it('keeps a value until refresh finds it old enough, and never keeps a failure', async () => {
    // Prepare
    let now = 0;
    let loads = 0;
    const cache = new AgedCache<number>(100, () => now);
    const load = async () => ++loads;

    // Act
    const first = await cache.get('a', load);
    const cached = await cache.get('a', load);
    now = 99;
    const youngRefresh = cache.refresh();
    now = 100;
    const oldRefresh = cache.refresh();
    const reloaded = await cache.get('a', load);
    await expect(cache.get('b', () => Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    const retried = await cache.get('b', load);

    // Assess
    expect([first, cached, youngRefresh, oldRefresh, reloaded, retried]).toEqual([1, 1, false, true, 2, 3]);
  });
});

describe('cachingResolver', () => {
  it('reads each secret once, and again only after a refresh once it is old enough', async () => {
    // Prepare
    const values = { gh: { secret: 'old' } };
    let reads = 0;
    const inner = createStaticSecretResolver(values);
    let now = 0;
    const resolver = cachingResolver(
      {
        get: (selector) => {
          reads++;
          return inner.get(selector);
        },
      },
      () => now,
    );
    const selector = { name: 'gh', key: 'secret' };
    await resolver.get(selector);
    values.gh.secret = 'new';

    // Act
    const beforeRefresh = [
      await resolver.get(selector),
      await resolver.get({ ...selector }),
      resolver.refresh?.(),
    ];
    now = REFRESH_MIN_AGE_MS;
    const refreshed = resolver.refresh?.();
    const after = [await resolver.get(selector), await resolver.get({ ...selector })];

    // Assess
    expect(beforeRefresh).toEqual(['old', 'old', false]);
    expect(refreshed).toBe(true);
    expect(after).toEqual(['new', 'new']);
    expect(reads).toBe(2);
  });
});

describe('rememberSettled', () => {
  it('has a value at hand once read, until a refresh forgets it', async () => {
    // Prepare
    const values = { gh: { secret: 'old' } };
    let now = 0;
    const resolver = rememberSettled(cachingResolver(createStaticSecretResolver(values), () => now));
    const selector = { name: 'gh', key: 'secret' };

    // Act
    const beforeRead = resolver.cached?.(selector);
    const read = await resolver.get(selector);
    const afterRead = [resolver.cached?.(selector), resolver.cached?.({ ...selector })];
    values.gh.secret = 'new';
    const youngRefresh = resolver.refresh?.();
    const stillOld = resolver.cached?.(selector);
    now = REFRESH_MIN_AGE_MS;
    const refreshed = resolver.refresh?.();
    const forgotten = resolver.cached?.(selector);
    const reread = await resolver.get(selector);

    // Assess: another object with the same name and key is looked up through get, not at hand
    expect([beforeRead, read, ...afterRead]).toEqual([undefined, 'old', 'old', undefined]);
    expect([youngRefresh, stillOld, refreshed, forgotten]).toEqual([false, 'old', true, undefined]);
    expect([reread, resolver.cached?.(selector)]).toEqual(['new', 'new']);
  });

  it('keeps no failure, and no value a refresh overtook', async () => {
    // Prepare
    let release: (value: string) => void = () => {};
    let calls = 0;
    const resolver = rememberSettled({
      get: (selector) => {
        calls++;
        if (selector.name === 'missing') return Promise.reject(new Error('not found'));
        return new Promise<string>((resolve) => {
          release = resolve;
        });
      },
      refresh: () => true,
    });
    const selector = { name: 'gh', key: 'secret' };

    // Act
    await expect(resolver.get({ name: 'missing', key: 'k' })).rejects.toThrow('not found');
    const slow = resolver.get(selector);
    resolver.refresh?.();
    release('read before the refresh');
    await slow;

    // Assess
    expect(resolver.cached?.({ name: 'missing', key: 'k' })).toBeUndefined();
    expect(resolver.cached?.(selector)).toBeUndefined();
    expect(calls).toBe(2);
  });
});
