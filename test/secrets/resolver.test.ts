import { describe, expect, it } from 'vitest';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { AgedCache, cachingResolver, REFRESH_MIN_AGE_MS } from '../../lib/secrets/resolver.ts';

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
