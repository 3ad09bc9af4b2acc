/** `outrigger graph <manifests…> [--format mermaid|dot]`: event sources → dependencies → triggers. */
import type { Command } from 'commander';
import { loadManifests } from '../../manifests/load.ts';
import type { ManifestSet } from '../../manifests/types.ts';
import { compileCondition } from '../../sensors/conditions.ts';
import type { CliContext } from '../io.ts';
import { println, usageError } from '../io.ts';
import { manifestFiles } from './validate.ts';

/** A node of the pipeline graph. */
export interface GraphNode {
  id: string;
  label: string;
  kind: 'event' | 'dependency' | 'trigger';
  /** The EventSource or Sensor it belongs to. */
  group: string;
  /** An event no loaded EventSource produces. */
  missing?: boolean;
}

/** The pipeline as nodes and edges, independent of the output format. */
export interface PipelineGraph {
  nodes: GraphNode[];
  edges: { from: string; to: string; label?: string }[];
}

const idOf = (...parts: string[]) => parts.map((p) => p.replace(/[^A-Za-z0-9]/g, '_')).join('__');

function eventTypes(set: ManifestSet): Map<string, string> {
  const types = new Map<string, string>();
  for (const es of set.eventSources) {
    for (const [type, events] of Object.entries(es.spec)) {
      if (type === 'eventBusName' || typeof events !== 'object' || events === null) continue;
      for (const name of Object.keys(events)) types.set(`${es.metadata.name}/${name}`, type);
    }
  }
  return types;
}

/** Builds the graph: one node per event, dependency and trigger; edges follow names and conditions. */
export function pipelineGraph(set: ManifestSet): PipelineGraph {
  const graph: PipelineGraph = { nodes: [], edges: [] };
  const types = eventTypes(set);
  const added = new Set<string>();
  const addEvent = (source: string, name: string, missing: boolean) => {
    const id = idOf('ev', source, name);
    if (added.has(id)) return id;
    added.add(id);
    const type = types.get(`${source}/${name}`);
    graph.nodes.push({
      id,
      label: `${name}${type ? ` (${type})` : missing ? ' (not loaded)' : ''}`,
      kind: 'event',
      group: source,
      ...(missing ? { missing } : {}),
    });
    return id;
  };
  for (const key of types.keys()) {
    const [source, name] = key.split('/') as [string, string];
    addEvent(source, name, false);
  }
  for (const sensor of set.sensors) {
    const sensorName = sensor.metadata.name;
    const names = sensor.spec.dependencies.map((d) => d.name);
    for (const dependency of sensor.spec.dependencies) {
      const id = idOf('dep', sensorName, dependency.name);
      graph.nodes.push({ id, label: dependency.name, kind: 'dependency', group: sensorName });
      const missing = !types.has(`${dependency.eventSourceName}/${dependency.eventName}`);
      graph.edges.push({ from: addEvent(dependency.eventSourceName, dependency.eventName, missing), to: id });
    }
    for (const trigger of sensor.spec.triggers) {
      const { template } = trigger;
      const type = Object.keys(template).find((k) => !['name', 'conditions', 'conditionsReset'].includes(k));
      const id = idOf('trg', sensorName, template.name);
      graph.nodes.push({
        id,
        label: `${template.name}${type ? ` (${type})` : ''}`,
        kind: 'trigger',
        group: sensorName,
      });
      let used: readonly string[] = names;
      try {
        used = compileCondition(template.conditions, names).dependencies;
      } catch {
        // The loader refuses bad conditions; a graph of a set that loaded never gets here.
      }
      for (const name of used) {
        const edge = { from: idOf('dep', sensorName, name), to: id };
        graph.edges.push(template.conditions ? { ...edge, label: template.conditions } : edge);
      }
    }
  }
  return graph;
}

const quote = (text: string) => text.replace(/"/g, '#quot;');

/** Mermaid flowchart text, one subgraph per EventSource and Sensor. */
export function toMermaid(graph: PipelineGraph): string {
  const lines = ['flowchart LR'];
  const groups = [...new Set(graph.nodes.map((n) => `${n.kind === 'event' ? 'es' : 'sensor'}:${n.group}`))];
  for (const group of groups) {
    const [prefix, name] = group.split(/:(.*)/s) as [string, string];
    lines.push(
      `  subgraph ${idOf(prefix, name)}["${prefix === 'es' ? 'EventSource' : 'Sensor'} ${quote(name)}"]`,
    );
    for (const node of graph.nodes) {
      if ((node.kind === 'event' ? 'es' : 'sensor') !== prefix || node.group !== name) continue;
      const label = quote(node.label);
      const shape =
        node.kind === 'event'
          ? `(["${label}"])`
          : node.kind === 'dependency'
            ? `["${label}"]`
            : `{{"${label}"}}`;
      lines.push(`    ${node.id}${shape}`);
    }
    lines.push('  end');
  }
  for (const edge of graph.edges) {
    lines.push(
      edge.label ? `  ${edge.from} -->|"${quote(edge.label)}"| ${edge.to}` : `  ${edge.from} --> ${edge.to}`,
    );
  }
  return lines.join('\n');
}

const dotString = (text: string) => JSON.stringify(text);

/** Graphviz DOT text, one cluster per EventSource and Sensor. */
export function toDot(graph: PipelineGraph): string {
  const lines = ['digraph outrigger {', '  rankdir=LR;'];
  const groups = [...new Set(graph.nodes.map((n) => `${n.kind === 'event' ? 'es' : 'sensor'}:${n.group}`))];
  groups.forEach((group, i) => {
    const [prefix, name] = group.split(/:(.*)/s) as [string, string];
    lines.push(`  subgraph cluster_${i} {`);
    lines.push(`    label=${dotString(`${prefix === 'es' ? 'EventSource' : 'Sensor'} ${name}`)};`);
    for (const node of graph.nodes) {
      if ((node.kind === 'event' ? 'es' : 'sensor') !== prefix || node.group !== name) continue;
      const shape = node.kind === 'event' ? 'ellipse' : node.kind === 'dependency' ? 'box' : 'hexagon';
      const style = node.missing ? ', style=dashed' : '';
      lines.push(`    ${node.id} [label=${dotString(node.label)}, shape=${shape}${style}];`);
    }
    lines.push('  }');
  });
  for (const edge of graph.edges) {
    lines.push(`  ${edge.from} -> ${edge.to}${edge.label ? ` [label=${dotString(edge.label)}]` : ''};`);
  }
  lines.push('}');
  return lines.join('\n');
}

/** Adds `graph` to the program. */
export function registerGraph(program: Command, ctx: CliContext): void {
  program
    .command('graph')
    .description('draw event sources → dependencies → triggers as Mermaid (default) or Graphviz DOT')
    .argument('<paths...>', 'manifest files or folders')
    .option('--format <format>', 'mermaid or dot', 'mermaid')
    .action(async (paths: string[], opts: { format: string }) => {
      if (opts.format !== 'mermaid' && opts.format !== 'dot') {
        throw usageError(`--format must be mermaid or dot (got "${opts.format}")`);
      }
      const files = await manifestFiles(paths, ctx.io.cwd);
      const set = await loadManifests(files);
      const graph = pipelineGraph(set);
      println(ctx, opts.format === 'dot' ? toDot(graph) : toMermaid(graph));
    });
}
