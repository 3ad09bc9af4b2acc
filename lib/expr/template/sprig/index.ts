/**
 * The sprig v3.3.0 function map (`sprig.FuncMap()`), minus what Outrigger refuses or does not provide.
 */
import type { TemplateFunc } from '../func.ts';
import { COLLECTION_FUNCS } from './collections.ts';
import { MISC_FUNCS } from './misc.ts';
import { NUMERIC_FUNCS } from './numeric.ts';
import { STRING_FUNCS } from './strings.ts';

/** Functions refused at compile time: they read the process environment (DESIGN §3). */
export const FORBIDDEN_FUNCTIONS: ReadonlySet<string> = new Set(['env', 'expandenv']);

/** sprig functions that exist upstream but are not provided here (key material, network, semver). */
export const UNSUPPORTED_FUNCTIONS: ReadonlySet<string> = new Set([
  'hello',
  'bcrypt',
  'htpasswd',
  'genPrivateKey',
  'derivePassword',
  'buildCustomCert',
  'genCA',
  'genCAWithKey',
  'genSelfSignedCert',
  'genSelfSignedCertWithKey',
  'genSignedCert',
  'genSignedCertWithKey',
  'encryptAES',
  'decryptAES',
  'randBytes',
  'getHostByName',
  'semver',
  'semverCompare',
  'urlParse',
  'urlJoin',
]);

/** Every sprig function Outrigger provides, by name. */
export const SPRIG_FUNCS: ReadonlyMap<string, TemplateFunc> = new Map(
  Object.entries({ ...STRING_FUNCS, ...NUMERIC_FUNCS, ...COLLECTION_FUNCS, ...MISC_FUNCS }),
);
