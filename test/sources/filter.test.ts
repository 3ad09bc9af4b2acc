import { describe, expect, it } from 'vitest';
import { MemoryBus } from '../../lib/bus/memory/index.ts';
import { createStaticSecretResolver } from '../../lib/secrets/local.ts';
import { exprLangFilter } from '../../lib/sources/filter.ts';
import { createIngest } from '../../lib/sources/ingest.ts';
import { eventSource, httpRequest, manifestSet } from './helpers.ts';

// pkg/shared/expr/eval_test.go TestEvalBool: the environment of conformance vectors ES-01..04.
const ES_DATA = {
  id: 1,
  first_name: 'John',
  last_name: 'Doe',
  email: 'johndoe@intuit.com',
  gender: 'Male',
  dept: 'devp',
  uuid: 'test-case-hyphen',
};

describe('expr-lang filter (conformance section M)', () => {
  it.each([
    ['ES-01', "(id == 1) && (last_name == 'Doe')", true],
    ['ES-02', "(id == 2) || (gender == 'Female')", false],
    ['ES-04', "(uuid == 'test-case-hyphen')", true],
  ])('%s evaluates %s', async (_id, expression, expected) => {
    await expect(exprLangFilter()(expression, ES_DATA)).resolves.toBe(expected);
  });

  it('ES-03: an invalid expression is an error', async () => {
    await expect(exprLangFilter()('invalidexpression', ES_DATA)).rejects.toThrow();
  });

  it('refuses a non-boolean result', async () => {
    await expect(exprLangFilter()('id', ES_DATA)).rejects.toThrow(/not a boolean/);
  });
});

describe('filter.expression in ingest', () => {
  const set = manifestSet(
    eventSource('es', {
      webhook: {
        ci: {
          port: '12000',
          endpoint: '/push',
          method: 'POST',
          // Only top-level keys get `-` → `_`; nested header names are indexed.
          filter: { expression: "body.ref == 'refs/heads/main' && header['X-Github-Event'][0] == 'push'" },
        },
        broken: { port: '12000', endpoint: '/broken', method: 'POST', filter: { expression: 'body.(' } },
      },
    }),
  );

  it.each([
    ['refs/heads/main', 'push', 1],
    ['refs/heads/dev', 'push', 0],
    ['refs/heads/main', 'ping', 0],
  ])(
    'publishes %s/%s only when the expression holds (%i events), always answering 200',
    async (ref, type, count) => {
      // Prepare
      const bus = new MemoryBus();
      const ingest = createIngest(set, { bus, secrets: createStaticSecretResolver({}) });

      // Act
      const response = await ingest.handle(
        httpRequest({ headers: { 'X-GitHub-Event': type }, body: JSON.stringify({ ref }) }),
      );

      // Assess
      expect(response.statusCode).toBe(200);
      expect(bus.log).toHaveLength(count);
    },
  );

  it('drops the event when the expression does not compile, as upstream', async () => {
    // Prepare
    const bus = new MemoryBus();
    const logs: Record<string, unknown>[] = [];
    const ingest = createIngest(set, {
      bus,
      secrets: createStaticSecretResolver({}),
      log: (e) => logs.push(e),
    });

    // Act
    const response = await ingest.handle(httpRequest({ path: '/broken', body: '{}' }));

    // Assess
    expect(response.statusCode).toBe(200);
    expect(bus.log).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', eventName: 'broken' }));
  });
});
