import { spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bundled, cacheDir, packageRoot } from '../../bin/bundle.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'outrigger-bundle-'));
  await writeFile(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const value: number = b + 1;\n");
  await writeFile(join(dir, 'b.ts'), 'export const b = 1;\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const options = () => ({ root: dir, into: join(dir, 'cache') });
/** The bundle's `value`, read by a fresh node process (vitest's loader would hand back its first import). */
const load = (file: string) =>
  Number(
    spawnSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `console.log((await import(${JSON.stringify(pathToFileURL(file).href)})).value)`,
      ],
      {
        encoding: 'utf8',
      },
    ).stdout,
  );

describe('bundled', () => {
  it('bundles an entry with its imports, and builds again only when a source changed', async () => {
    const file = await bundled('a.ts', 'a', options());
    expect(load(file)).toBe(2);
    const built = (await stat(file)).mtimeMs;
    const stamp = JSON.parse(await readFile(join(dir, 'cache', 'a.json'), 'utf8')) as { inputs: object };
    expect(Object.keys(stamp.inputs).sort()).toEqual(['a.ts', 'b.ts', 'tsconfig.json']);

    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await bundled('a.ts', 'a', options())).toBe(file);
    expect((await stat(file)).mtimeMs).toBe(built);

    await writeFile(join(dir, 'tsconfig.json'), '{}');
    await bundled('a.ts', 'a', options());
    const rebuilt = (await stat(file)).mtimeMs;
    expect(rebuilt).toBeGreaterThan(built);

    await new Promise((resolve) => setTimeout(resolve, 20));
    await writeFile(join(dir, 'b.ts'), 'export const b = 41;\n');
    await bundled('a.ts', 'a', options());
    expect((await stat(file)).mtimeMs).toBeGreaterThan(rebuilt);
    expect(load(file)).toBe(42);
    // The map sits beside the bundle under its final name, not the temporary one it was written through.
    expect(await readFile(file, 'utf8')).toMatch(/\/\/# sourceMappingURL=a\.mjs\.map\n$/);
    await expect(stat(`${file}.map`)).resolves.toBeDefined();
  });

  it('refuses a source esbuild cannot compile, naming the file, and leaves the last bundle alone', async () => {
    const file = await bundled('a.ts', 'a', options());
    await writeFile(join(dir, 'b.ts'), 'export const b = ;\n');
    await expect(bundled('a.ts', 'a', options())).rejects.toThrow(/b\.ts/);
    expect(load(file)).toBe(2);
  });
});

describe('bin/outrigger.js', () => {
  const validate = (root: string) =>
    spawnSync(process.execPath, [join(root, 'bin', 'outrigger.js'), 'validate', 'manifests/'], {
      cwd: packageRoot,
      encoding: 'utf8',
    });

  it('runs the CLI from the bundle in node_modules/.cache/outrigger', async () => {
    const run = validate(packageRoot);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('2 file(s): 2 loaded, 0 refused');
    const stamp = JSON.parse(await readFile(join(cacheDir, 'cli.json'), 'utf8')) as { inputs: object };
    expect(Object.keys(stamp.inputs)).toContain('lib/cli/main.ts');
  });

  /** A copy of the package in `dir`: bin/ and package.json copied, every package of node_modules linked. */
  async function packageCopy(lib: 'linked' | 'copied') {
    await cp(join(packageRoot, 'bin'), join(dir, 'bin'), { recursive: true });
    await cp(join(packageRoot, 'package.json'), join(dir, 'package.json'));
    if (lib === 'linked') await symlink(join(packageRoot, 'lib'), join(dir, 'lib'));
    else await cp(join(packageRoot, 'lib'), join(dir, 'lib'), { recursive: true });
    await mkdir(join(dir, 'node_modules'));
    for (const entry of await readdir(join(packageRoot, 'node_modules'))) {
      if (entry !== '.cache')
        await symlink(join(packageRoot, 'node_modules', entry), join(dir, 'node_modules', entry));
    }
  }

  it('runs the sources through tsx, and says so, when the bundle cannot be written', async () => {
    // Prepare: node_modules/.cache is a file, so the cache folder cannot be made.
    await packageCopy('linked');
    await writeFile(join(dir, 'node_modules', '.cache'), '');

    // Act
    const run = validate(dir);

    // Assess
    expect(run.stderr).toMatch(/^outrigger: running from the sources \(no bundle: .*ENOTDIR/);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('2 file(s): 2 loaded, 0 refused');
  });

  it('names the file and line esbuild could not compile', async () => {
    // Prepare
    await packageCopy('copied');
    const main = join(dir, 'lib', 'cli', 'main.ts');
    await writeFile(main, `${await readFile(main, 'utf8')}\nexport const broken = ;\n`);

    // Act
    const run = validate(dir);

    // Assess: the sources fail under tsx too, after the one line that says where.
    expect(run.stderr.split('\n')[0]).toMatch(
      /^outrigger: running from the sources \(no bundle: lib\/cli\/main\.ts:\d+: Unexpected ";"\)$/,
    );
    expect(run.status).not.toBe(0);
  });
});
