import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SecretKeySelector } from '../../lib/manifests/types.ts';
import type { SecretResolver } from '../../lib/secrets/resolver.ts';
import {
  checkWithSecret,
  constantTimeEqual,
  decodeBase64,
  hexDigest,
  hmacDigest,
  hmacHex,
} from '../../lib/sources/verify.ts';

/** `text` with its character at `at` changed to another hex digit. */
const flip = (text: string, at: number) =>
  `${text.slice(0, at)}${text[at] === '0' ? '1' : '0'}${text.slice(at + 1)}`;

describe('constantTimeEqual', () => {
  it('is true only for equal strings', () => {
    // Prepare
    const digest = hmacHex('sha256', 'secret', 'body');
    const cases: [string, string, boolean][] = [
      [digest, `${digest}`, true],
      ['', '', true],
      ['Bearer tökén ✓', 'Bearer tökén ✓', true],
      [digest, flip(digest, 0), false],
      [digest, flip(digest, digest.length - 1), false],
      [digest, digest.slice(0, -1), false],
      [digest.slice(0, -1), digest, false],
      [digest, `${digest}0`, false],
      ['', 'a', false],
      ['a', '', false],
      ['tökén', 'token', false],
      // Same UTF-8 bytes after replacement of lone surrogates, yet different strings.
      ['\ud800', '\udc00', false],
    ];
    for (const [a, b, equal] of cases) {
      // Act + Assess
      expect(constantTimeEqual(a, b), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(equal);
    }
  });

  it('agrees with === on any two strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(a === b);
        expect(constantTimeEqual(a, a)).toBe(true);
      }),
    );
  });

  it('compares bytes with bytes, and a string with bytes as UTF-8', () => {
    // Prepare
    const digest = hmacDigest('sha256', 'secret', 'body');
    // Act + Assess
    expect(constantTimeEqual(digest, Buffer.from(digest))).toBe(true);
    expect(constantTimeEqual(digest, digest.subarray(1))).toBe(false);
    expect(constantTimeEqual('tökén', Buffer.from('tökén', 'utf8'))).toBe(true);
    expect(constantTimeEqual(Buffer.from('token'), 'tökén')).toBe(false);
  });
});

describe('digests', () => {
  it("matches GitHub's documented signature", () => {
    // Act
    const hex = hmacHex('sha256', "It's a Secret to Everybody", 'Hello, World!');
    // Assess
    expect(`sha256=${hex}`).toBe('sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17');
    expect(hmacDigest('sha256', "It's a Secret to Everybody", 'Hello, World!').toString('hex')).toBe(hex);
  });

  it('reads hex in either case and base64 in either alphabet, and refuses the rest', () => {
    // Prepare
    const bytes = createHmac('sha1', 'k').update('m').digest();
    // Act + Assess
    expect(hexDigest(bytes.toString('hex').toUpperCase())).toBe(bytes.toString('hex'));
    expect(hexDigest('abc')).toBeUndefined();
    expect(hexDigest('zz')).toBeUndefined();
    expect(hexDigest('')).toBeUndefined();
    expect(decodeBase64(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeBase64(bytes.toString('base64url'))).toEqual(bytes);
    expect(decodeBase64('not base64!')).toBeUndefined();
    expect(decodeBase64('')).toBeUndefined();
  });
});

describe('checkWithSecret', () => {
  const selector: SecretKeySelector = { name: 'hooks', key: 'hmac' };
  /** A resolver with `secret` read already (`cached` answers), or only to be read (`get` only). */
  const resolver = (secret: string, atHand: boolean): SecretResolver => ({
    get: async () => secret,
    ...(atHand ? { cached: () => secret } : {}),
  });
  const check = (secret: string) => {
    if (secret !== 'right') throw new Error(`refused with ${secret}`);
  };

  it('checks in this turn with a secret at hand: undefined, or a rejection', async () => {
    // Act
    const passed = checkWithSecret(resolver('right', true), selector, check);
    const refused = checkWithSecret(resolver('wrong', true), selector, check);

    // Assess
    expect(passed).toBeUndefined();
    expect(refused).toBeInstanceOf(Promise);
    await expect(refused).rejects.toThrow('refused with wrong');
  });

  it('reads the secret first otherwise', async () => {
    // Act
    const passed = checkWithSecret(resolver('right', false), selector, check);
    const refused = checkWithSecret(resolver('wrong', false), selector, check);
    const unreadable = checkWithSecret(
      { get: () => Promise.reject(new Error('store down')), cached: () => undefined },
      selector,
      check,
    );

    // Assess
    await expect(passed).resolves.toBeUndefined();
    await expect(refused).rejects.toThrow('refused with wrong');
    await expect(unreadable).rejects.toThrow('store down');
  });
});
