/**
 * Prints the heaviest frames of a V8 CPU profile (`node --cpu-prof`): self time and total (inclusive) time
 * per function, attributed to its file and line. Usage: `npx tsx test/bench/top-frames.ts FILE.cpuprofile [N] [filter]`
 * where `filter` keeps only call stacks passing through a function whose name contains it.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './support/fixtures.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, countText, filter] = process.argv.slice(2);
if (!file) {
  console.error('usage: top-frames.ts FILE.cpuprofile [N] [filter]');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  let where = url;
  try {
    where = url.startsWith('file:') ? relative(repoRoot, fileURLToPath(url)) : url;
  } catch {
    // keep the url
  }
  return `${functionName || '(anonymous)'} ${where ? `${where}:${lineNumber + 1}` : ''}`.trim();
}

const self = new Map<string, number>();
const total = new Map<string, number>();
let all = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const stack: ProfileNode[] = [];
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) stack.push(byId.get(at)!);
  if (filter && !stack.some((n) => n.callFrame.functionName.includes(filter))) return;
  all += dt;
  const leaf = label(stack[0]!);
  self.set(leaf, (self.get(leaf) ?? 0) + dt);
  for (const name of new Set(stack.map(label))) total.set(name, (total.get(name) ?? 0) + dt);
});

const n = Number(countText ?? 25);
const show = (title: string, map: Map<string, number>) => {
  console.log(`\n${title} (of ${(all / 1000).toFixed(0)} ms sampled)`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${((100 * us) / all).toFixed(1).padStart(5)}%  ${name}`);
  }
};
show('self time', self);
show('total time', total);
