/** The result rows every benchmark returns, and their Markdown and JSON renderings. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** One measured figure, beside the floor it is compared with. */
export interface BenchRow {
  /** Which benchmark (`ingest-http`, `latency`, …). */
  suite: string;
  /** What was measured, in words. */
  name: string;
  value: number;
  unit: string;
  /** The physical floor (or ceiling) measured in the same run. */
  floor?: { name: string; value: number };
  /** value / floor (median of per-round ratios where rounds exist). */
  ratio?: number;
  /** The goal and whether this run met it. */
  goal?: { text: string; met: boolean };
  note?: string;
}

/** Facts about the machine a run happened on. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  node: string;
  platform: string;
  loadAverage: number[];
  date: string;
}

export interface BenchReport {
  machine: MachineInfo;
  durationSeconds: number;
  rows: BenchRow[];
  failures: { suite: string; error: string }[];
}

function format(value: number, unit: string): string {
  if (!Number.isFinite(value)) return 'n/a';
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  const text = value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
  return `${text} ${unit}`;
}

/** The report as a Markdown table plus the machine line. */
export function toMarkdown(report: BenchReport): string {
  const m = report.machine;
  const lines = [
    `Run ${m.date} on ${m.cpus} × ${m.cpuModel}, Node ${m.node} (${m.platform}), load average ${m.loadAverage.map((l) => l.toFixed(2)).join(' ')}; ${report.durationSeconds.toFixed(0)} s.`,
    '',
    '| Suite | Measure | Value | Floor (same run) | Ratio | Goal | Met |',
    '| --- | --- | ---: | --- | ---: | --- | :---: |',
  ];
  for (const row of report.rows) {
    const floor = row.floor ? `${row.floor.name}: ${format(row.floor.value, row.unit)}` : '';
    // One decimal where a goal is judged: a 69.6% printed as "70%" beside "no" reads as a contradiction.
    const ratio = row.ratio === undefined ? '' : `${(row.ratio * 100).toFixed(row.goal ? 1 : 0)}%`;
    const goal = row.goal?.text ?? '';
    const met = row.goal ? (row.goal.met ? 'yes' : '**no**') : '';
    const name = row.note ? `${row.name} (${row.note})` : row.name;
    lines.push(
      `| ${row.suite} | ${name} | ${format(row.value, row.unit)} | ${floor} | ${ratio} | ${goal} | ${met} |`,
    );
  }
  for (const failure of report.failures) lines.push('', `**${failure.suite} failed:** ${failure.error}`);
  return `${lines.join('\n')}\n`;
}

/** Writes bench-results/latest.md and latest.json under `root`; returns the Markdown. */
export async function writeReport(root: string, report: BenchReport): Promise<string> {
  const dir = join(root, 'bench-results');
  await mkdir(dir, { recursive: true });
  const markdown = toMarkdown(report);
  await writeFile(join(dir, 'latest.md'), markdown);
  await writeFile(join(dir, 'latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  return markdown;
}
