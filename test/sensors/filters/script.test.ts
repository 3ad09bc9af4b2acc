import { describe, expect, it } from 'vitest';
import { evaluateScriptFilter } from '../../../lib/sensors/filters/script.ts';
import { SCRIPT_TIMEOUT_MS, toLuaLiteral } from '../../../lib/sensors/transform/lua.ts';

describe('the script filter', () => {
  it('pass when the script returns true', async () => {
    // Act
    const result = await evaluateScriptFilter('return event.action == "opened"', { action: 'opened' });

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it.each([
    ['a truthy non-boolean', 'return 1'],
    ['nothing', 'local x = 1'],
    ['true then false (the last value counts)', 'return true, false'],
  ])('fail when the script returns %s', async (_what, script) => {
    // Act
    const result = await evaluateScriptFilter(script, { a: 1 });

    // Assess
    expect(result).toEqual({ pass: false });
  });

  it('see numbers, nested objects and arrays of the data', async () => {
    // Prepare
    const data = { pr: { number: 42, labels: [{ name: 'ci' }, { name: 'urgent' }] }, draft: false };
    const script = `
      if event.draft then return false end
      for _, label in ipairs(event.pr.labels) do
        if label.name == "urgent" and event.pr.number == 42 and tostring(event.pr.number) == "42" then return true end
      end
      return false`;

    // Act
    const result = await evaluateScriptFilter(script, data);

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('drop JSON nulls and arrays nested in arrays as gopher-lua conversion does', async () => {
    // Prepare
    const data = { gone: null, list: [1, null, [2, 3], 'x'] };

    // Act
    const result = await evaluateScriptFilter(
      'return event.gone == nil and #event.list == 2 and event.list[1] == 1 and event.list[2] == "x"',
      data,
    );

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('keep non-ASCII text intact', async () => {
    // Act
    const result = await evaluateScriptFilter('return event.name == "Zoë ✓"', { name: 'Zoë ✓' });

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('report a runtime error', async () => {
    // Act
    const result = await evaluateScriptFilter('return event.missing.field', { a: 1 });

    // Assess
    expect(result.pass).toBe(false);
    expect(result.error).toMatch(/^script:1: attempt to index a nil value/);
  });

  it('refuse data that is not a JSON object, as upstream decodes into a map', async () => {
    // Act
    const result = await evaluateScriptFilter('return true', [1, 2]);

    // Assess
    expect(result).toEqual({
      pass: false,
      error: 'json: cannot unmarshal array into Go value of type map[string]interface {}',
    });
  });

  it('stop a script that runs too long', async () => {
    // Prepare
    const started = Date.now();

    // Act
    const result = await evaluateScriptFilter('while true do end', { a: 1 });

    // Assess
    expect(result.error).toContain('timeout');
    expect(Date.now() - started).toBeLessThan(SCRIPT_TIMEOUT_MS * 5);
  });

  it('give scripts no file, process or environment access', async () => {
    // Act
    const result = await evaluateScriptFilter(
      'return io == nil and os.execute == nil and os.getenv == nil and require == nil and os.time() > 0',
      { a: 1 },
    );

    // Assess
    expect(result).toEqual({ pass: true });
  });

  it('not leak globals from one event to the next', async () => {
    // Act
    const first = await evaluateScriptFilter('seen = true; return true', { a: 1 });
    const second = await evaluateScriptFilter('return seen == nil', { a: 1 });

    // Assess
    expect(first).toEqual({ pass: true });
    expect(second).toEqual({ pass: true });
  });
});

describe('the Lua table literal', () => {
  it('escape quotes, backslashes and bytes outside printable ASCII', () => {
    // Act
    const literal = toLuaLiteral({ 'a"b': 'c\\d\né' });

    // Assess
    expect(literal).toBe('{["a\\34b"]="c\\92d\\10\\195\\169"}');
  });

  it('write integers as Lua integers and keep fractions', () => {
    // Act
    const literal = toLuaLiteral({ i: 3, f: 2.5, big: 1e21 });

    // Assess
    expect(literal).toBe('{["i"]=3,["f"]=2.5,["big"]=1e+21}');
  });
});
