/**
 * Executes parsed templates with Go text/template semantics (`src/text/template/exec.go`): pipelines pass
 * their value as the last argument, missing map keys are invalid values (printed `<no value>`), a nil
 * from the data is a nil interface, and arguments are type-checked against each function's parameters.
 */
import { formatValue } from './fmt.ts';
import { type ExecBudget, FuncError, PARAM_TYPE_NAMES, type ParamType, type TemplateFunc } from './func.ts';
import type {
  ArgNode,
  BranchNode,
  ChainNode,
  CommandNode,
  FieldNode,
  ListNode,
  Node,
  NumberNode,
  ParsedTemplates,
  PipeNode,
  VariableNode,
} from './parse.ts';
import { nodeString } from './parse.ts';
import { formatTime } from './time.ts';
import {
  GoInt,
  GoTime,
  goInt,
  isMap,
  isTrue,
  mapGet,
  NO_VALUE,
  sortedKeys,
  typeName,
  type Value,
} from './value.ts';

/** Internal: an execution error with Go's message. */
export class ExecError extends Error {}

/** Template invocations nest at most this deep (Go allows 100000; a Lambda stack does not). */
export const MAX_EXEC_DEPTH = 1000;
/** Units of work one execution may spend (nodes walked, iterations, list elements built). */
export const MAX_STEPS = 5_000_000;
/** Largest output one execution may produce. */
export const MAX_OUTPUT = 1 << 22;

enum Flow {
  Normal,
  Break,
  Continue,
}

interface Variable {
  name: string;
  value: Value;
}

type AnyNode = Node | ArgNode | CommandNode;

const nodeErrorContext = (text: string, node: AnyNode, name: string): string => {
  const pos = node.pos;
  const before = text.slice(0, pos);
  const line = before.split('\n').length;
  const lastNl = before.lastIndexOf('\n');
  const col = lastNl < 0 ? pos : pos - lastNl - 1;
  let ctx = '';
  if (node.type !== 'text' && node.type !== 'list' && node.type !== 'action' && node.type !== 'template') {
    if (node.type === 'if' || node.type === 'with' || node.type === 'range') ctx = `{{${node.type} ...}}`;
    else if (node.type === 'break' || node.type === 'continue') ctx = `{{${node.type}}}`;
    else ctx = nodeString(node as ArgNode | CommandNode);
  } else if (node.type === 'action') {
    ctx = `{{${nodeString(node.pipe)}}}`;
  } else if (node.type === 'template') {
    ctx = `{{template ${JSON.stringify(node.name)}}}`;
  }
  if (ctx.length > 20) ctx = `${ctx.slice(0, 20)}...`;
  return `template: ${name}:${line}:${col}: executing ${JSON.stringify(name)} at <${ctx}>: `;
};

/** One execution of a compiled template set. */
export class State implements ExecBudget {
  private vars: Variable[] = [];
  private out = '';
  private depth = 0;
  private steps = 0;
  private node: AnyNode | undefined;
  private tmplName: string;

  constructor(
    private readonly text: string,
    private readonly name: string,
    private readonly parsed: ParsedTemplates,
    private readonly funcs: ReadonlyMap<string, TemplateFunc>,
  ) {
    this.tmplName = name;
  }

  charge(n: number): void {
    this.steps += n;
    if (this.steps > MAX_STEPS) this.errorf(`execution exceeded ${MAX_STEPS} steps`);
  }

  errorf(msg: string): never {
    const prefix =
      this.node === undefined
        ? `template: ${this.tmplName}: `
        : nodeErrorContext(this.text, this.node, this.tmplName);
    throw new ExecError(prefix + msg);
  }

  private at(node: AnyNode): void {
    this.node = node;
  }

  /** Runs the main template with `data` as dot and `$`. */
  run(data: Value): string {
    this.vars = [{ name: '$', value: data }];
    this.walk(data, this.parsed.root);
    return this.out;
  }

  private write(s: string): void {
    this.out += s;
    if (this.out.length > MAX_OUTPUT) this.errorf(`output exceeds ${MAX_OUTPUT} characters`);
  }

  private walk(dot: Value, node: Node): Flow {
    this.charge(1);
    switch (node.type) {
      case 'text':
        this.write(node.text);
        return Flow.Normal;
      case 'list':
        for (const n of node.nodes) {
          const f = this.walk(dot, n);
          if (f !== Flow.Normal) return f;
        }
        return Flow.Normal;
      case 'action': {
        // Variables declared by an action persist until the end of the enclosing control structure.
        const val = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, val);
        return Flow.Normal;
      }
      case 'if':
      case 'with':
        return this.walkIfOrWith(dot, node);
      case 'range':
        return this.walkRange(dot, node);
      case 'template':
        this.walkTemplate(dot, node);
        return Flow.Normal;
      case 'break':
        return Flow.Break;
      case 'continue':
        return Flow.Continue;
    }
  }

  private walkIfOrWith(dot: Value, node: BranchNode): Flow {
    const mark = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      if (isTrue(val)) return this.walk(node.type === 'with' ? val : dot, node.list);
      if (node.elseList) return this.walk(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = mark;
    }
  }

  private walkRange(dot: Value, node: BranchNode): Flow {
    this.at(node);
    const outer = this.vars.length;
    try {
      const val = this.evalPipeline(dot, node.pipe);
      const mark = this.vars.length;
      const decl = node.pipe.decl;
      const one = (index: Value, elem: Value): Flow => {
        this.charge(1);
        if (decl.length > 0) {
          if (node.pipe.isAssign) {
            this.setVar((decl[0] as VariableNode).ident[0] as string, decl.length > 1 ? index : elem);
          } else {
            this.setTopVar(1, elem);
          }
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar((decl[1] as VariableNode).ident[0] as string, elem);
          else this.setTopVar(2, index);
        }
        const f = this.walk(elem, node.list);
        this.vars.length = mark;
        return f;
      };
      let ran = false;
      if (Array.isArray(val)) {
        for (let i = 0; i < val.length; i++) {
          ran = true;
          if (one(goInt(i), val[i] as Value) === Flow.Break) break;
        }
      } else if (isMap(val)) {
        for (const k of sortedKeys(val)) {
          ran = true;
          if (one(k, val[k] as Value) === Flow.Break) break;
        }
      } else if (val instanceof GoInt) {
        // Go 1.22+: range over an integer.
        if (val.n > BigInt(MAX_STEPS)) this.errorf(`range over ${val.n} exceeds the step limit`);
        const n = Number(val.n);
        for (let i = 0; i < n; i++) {
          ran = true;
          const v = new GoInt(BigInt(i), val.type);
          if (one(v, v) === Flow.Break) break;
        }
      } else if (val !== NO_VALUE && val !== null) {
        this.at(node);
        this.errorf(`range can't iterate over ${formatValue(val)}`);
      }
      if (ran) return Flow.Normal;
      if (node.elseList) return this.walk(dot, node.elseList);
      return Flow.Normal;
    } finally {
      this.vars.length = outer;
    }
  }

  private walkTemplate(dot: Value, node: Extract<Node, { type: 'template' }>): void {
    this.at(node);
    const tmpl = this.parsed.defines.get(node.name);
    if (tmpl === undefined) this.errorf(`template ${JSON.stringify(node.name)} not defined`);
    if (this.depth >= MAX_EXEC_DEPTH) this.errorf(`exceeded maximum template depth (${MAX_EXEC_DEPTH})`);
    const newDot = node.pipe ? this.evalPipeline(dot, node.pipe) : NO_VALUE;
    const savedVars = this.vars;
    const savedName = this.tmplName;
    this.vars = [{ name: '$', value: newDot }];
    this.tmplName = node.name;
    this.depth++;
    try {
      this.walk(newDot, tmpl as ListNode);
    } finally {
      this.depth--;
      this.vars = savedVars;
      this.tmplName = savedName;
    }
  }

  private setVar(name: string, value: Value): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) {
        v.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private setTopVar(n: number, value: Value): void {
    (this.vars[this.vars.length - n] as Variable).value = value;
  }

  private varValue(name: string): Value {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      const v = this.vars[i] as Variable;
      if (v.name === name) return v.value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  private printValue(node: AnyNode, v: Value): void {
    this.at(node);
    this.write(v === NO_VALUE ? '<no value>' : formatValue(v));
  }

  private evalPipeline(dot: Value, pipe: PipeNode): Value {
    this.at(pipe);
    let value: Value | undefined;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // A nil interface{} result is an invalid value from here on (Go: value.Elem() of a nil interface).
      if (value === null) value = NO_VALUE;
    }
    const result = value === undefined ? NO_VALUE : value;
    for (const v of pipe.decl) {
      const name = v.ident[0] as string;
      if (pipe.isAssign) this.setVar(name, result);
      else this.vars.push({ name, value: result });
    }
    return result;
  }

  private notAFunction(args: readonly ArgNode[], final: Value | undefined): void {
    if (args.length > 1 || final !== undefined) {
      this.errorf(`can't give argument to non-function ${nodeString(args[0] as ArgNode)}`);
    }
  }

  private evalCommand(dot: Value, cmd: CommandNode, final: Value | undefined): Value {
    const first = cmd.args[0] as ArgNode;
    switch (first.type) {
      case 'field':
        return this.evalFieldNode(dot, first, cmd.args, final);
      case 'chain':
        return this.evalChainNode(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first.name, cmd, cmd.args, final);
      case 'pipe':
        this.at(first);
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariableNode(dot, first, cmd.args, final);
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return this.idealConstant(first);
      case 'string':
        return first.text;
    }
  }

  private idealConstant(n: NumberNode): Value {
    this.at(n);
    const isHexInt = /^[+-]?0[xX]/.test(n.text) && !/[pP]/.test(n.text);
    if (n.isFloat && !isHexInt && !n.text.startsWith("'") && /[.eEpP]/.test(n.text)) return n.float;
    if (n.isInt) return new GoInt(n.int, 'int');
    return this.errorf(`${n.text} overflows int`);
  }

  private evalFieldNode(
    dot: Value,
    field: FieldNode,
    args: readonly ArgNode[],
    final: Value | undefined,
  ): Value {
    this.at(field);
    return this.evalFieldChain(dot, dot, field, field.ident, args, final);
  }

  private evalChainNode(
    dot: Value,
    chain: ChainNode,
    args: readonly ArgNode[],
    final: Value | undefined,
  ): Value {
    this.at(chain);
    if (chain.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(chain)}`);
    const pipe = this.evalArg(dot, 'any', chain.node, true);
    return this.evalFieldChain(dot, pipe, chain, chain.field, args, final);
  }

  private evalVariableNode(
    dot: Value,
    variable: VariableNode,
    args: readonly ArgNode[],
    final: Value | undefined,
  ): Value {
    this.at(variable);
    const value = this.varValue(variable.ident[0] as string);
    if (variable.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, variable, variable.ident.slice(1), args, final);
  }

  private evalFieldChain(
    dot: Value,
    receiver: Value,
    node: AnyNode,
    ident: readonly string[],
    args: readonly ArgNode[],
    final: Value | undefined,
  ): Value {
    const n = ident.length;
    for (let i = 0; i < n - 1; i++) {
      receiver = this.evalField(dot, ident[i] as string, node, [], undefined, receiver, i > 0);
    }
    return this.evalField(dot, ident[n - 1] as string, node, args, final, receiver, n > 1);
  }

  private evalField(
    dot: Value,
    fieldName: string,
    node: AnyNode,
    args: readonly ArgNode[],
    final: Value | undefined,
    receiver: Value,
    fromLookup = false,
  ): Value {
    if (receiver === NO_VALUE) return NO_VALUE;
    if (receiver === null) return this.errorf(`nil pointer evaluating interface {}.${fieldName}`);
    const hasArgs = args.length > 1 || final !== undefined;
    if (receiver instanceof GoTime) {
      const method = TIME_METHODS[fieldName];
      if (method !== undefined && Object.hasOwn(TIME_METHODS, fieldName)) {
        return this.evalCall(dot, method, fieldName, node, args, final, receiver);
      }
    }
    if (isMap(receiver)) {
      if (hasArgs) this.errorf(`${fieldName} is not a method but has arguments`);
      return mapGet(receiver, fieldName);
    }
    // A value read out of a map[string]interface{} has static type interface {} in Go's message.
    const typ = fromLookup ? 'interface {}' : typeName(receiver);
    return this.errorf(`can't evaluate field ${fieldName} in type ${typ}`);
  }

  private evalFunction(
    dot: Value,
    name: string,
    node: AnyNode,
    args: readonly ArgNode[],
    final: Value | undefined,
  ): Value {
    this.at(node);
    const f = this.funcs.get(name);
    if (f === undefined) return this.errorf(`${JSON.stringify(name)} is not a defined function`);
    return this.evalCall(dot, f, name, node, args, final);
  }

  private evalCall(
    dot: Value,
    f: TemplateFunc,
    name: string,
    node: AnyNode,
    allArgs: readonly ArgNode[],
    final: Value | undefined,
    receiver?: Value,
  ): Value {
    this.charge(1);
    const args = allArgs.slice(1);
    const numIn = args.length + (final === undefined ? 0 : 1);
    const numFixed = f.params.length;
    if (f.variadic !== undefined) {
      if (numIn < numFixed) {
        this.errorf(`wrong number of args for ${name}: want at least ${numFixed} got ${args.length}`);
      }
    } else if (numIn !== numFixed) {
      this.errorf(`wrong number of args for ${name}: want ${numFixed} got ${numIn}`);
    }
    // Builtin and/or short-circuit: arguments are evaluated only until the result is known.
    if (f === AND_FUNC || f === OR_FUNC) {
      const isOr = f === OR_FUNC;
      let v: Value = NO_VALUE;
      for (const a of args) {
        v = this.evalArg(dot, 'reflect', a);
        if (isTrue(v) === isOr) return v;
      }
      if (final !== undefined) v = this.validateType(final, 'reflect');
      return v;
    }
    const argv: Value[] = [];
    let i = 0;
    for (; i < numFixed && i < args.length; i++)
      argv.push(this.evalArg(dot, f.params[i] as ParamType, args[i] as ArgNode));
    if (f.variadic !== undefined) {
      for (; i < args.length; i++) argv.push(this.evalArg(dot, f.variadic, args[i] as ArgNode));
    }
    if (final !== undefined) {
      let t: ParamType;
      if (f.variadic !== undefined)
        t = numIn - 1 < numFixed ? (f.params[numIn - 1] as ParamType) : f.variadic;
      else t = f.params[numFixed - 1] as ParamType;
      argv.push(this.validateType(final, t));
    }
    if (receiver !== undefined) argv.unshift(receiver);
    try {
      return f.call(argv, this);
    } catch (err) {
      if (err instanceof ExecError) throw err;
      this.at(node);
      if (err instanceof FuncError) return this.errorf(`error calling ${name}: ${err.message}`);
      if (err instanceof RangeError) return this.errorf(`error calling ${name}: ${err.message}`);
      throw err;
    }
  }

  /** Go's validateType: checks a computed value against a parameter type. */
  private validateType(value: Value, typ: ParamType): Value {
    if (value === NO_VALUE) {
      if (typ === 'reflect') return NO_VALUE;
      if (typ === 'any' || typ === 'map') return null;
      return this.errorf(`invalid value; expected ${PARAM_TYPE_NAMES[typ]}`);
    }
    switch (typ) {
      case 'any':
        return value;
      case 'reflect':
        return value === null ? NO_VALUE : value;
      case 'string':
        if (typeof value === 'string') return value;
        break;
      case 'bool':
        if (typeof value === 'boolean') return value;
        break;
      case 'float64':
        if (typeof value === 'number') return value;
        break;
      case 'int':
      case 'int64':
        if (value instanceof GoInt && value.type === typ) return value;
        break;
      case 'map':
        if (isMap(value)) return value;
        break;
      case 'time':
        if (value instanceof GoTime) return value;
        break;
    }
    const got = value === null ? 'interface {}' : typeName(value);
    return this.errorf(`wrong type for value; expected ${PARAM_TYPE_NAMES[typ]}; got ${got}`);
  }

  /** Go's evalArg: constants are converted to the parameter type; computed values are checked. */
  private evalArg(dot: Value, typ: ParamType, n: ArgNode, untyped = false): Value {
    this.at(n);
    switch (n.type) {
      case 'dot':
        return untyped ? dot : this.validateType(dot, typ);
      case 'nil':
        if (typ === 'any' || typ === 'map') return null;
        if (typ === 'reflect') return NO_VALUE;
        return this.errorf(`cannot assign nil to ${PARAM_TYPE_NAMES[typ]}`);
      case 'field': {
        const v = this.evalFieldNode(dot, n, [n], undefined);
        return untyped ? v : this.validateType(v, typ);
      }
      case 'variable': {
        const v = this.evalVariableNode(dot, n, [], undefined);
        return untyped ? v : this.validateType(v, typ);
      }
      case 'pipe': {
        const v = this.evalPipeline(dot, n);
        return untyped ? v : this.validateType(v, typ);
      }
      case 'identifier': {
        const v = this.evalFunction(dot, n.name, n, [n], undefined);
        return untyped ? v : this.validateType(v, typ);
      }
      case 'chain': {
        const v = this.evalChainNode(dot, n, [], undefined);
        return untyped ? v : this.validateType(v, typ);
      }
    }
    switch (typ) {
      case 'bool':
        if (n.type === 'bool') return n.value;
        return this.errorf(`expected bool; found ${nodeString(n)}`);
      case 'float64':
        if (n.type === 'number' && n.isFloat) return n.float;
        return this.errorf(`expected float; found ${nodeString(n)}`);
      case 'int':
      case 'int64':
        if (n.type === 'number' && n.isInt) return new GoInt(n.int, typ);
        return this.errorf(`expected integer; found ${nodeString(n)}`);
      case 'string':
        if (n.type === 'string') return n.text;
        return this.errorf(`expected string; found ${nodeString(n)}`);
      case 'any':
      case 'reflect':
        switch (n.type) {
          case 'bool':
            return n.value;
          case 'number':
            return this.idealConstant(n);
          case 'string':
            return n.text;
        }
    }
    return this.errorf(`can't handle ${nodeString(n)} for arg of type ${PARAM_TYPE_NAMES[typ]}`);
  }
}

/** Marker objects so the executor can short-circuit the builtin and/or. */
export const AND_FUNC: TemplateFunc = {
  params: ['reflect'],
  variadic: 'reflect',
  call: () => NO_VALUE,
};
export const OR_FUNC: TemplateFunc = { ...AND_FUNC };

const timeMethod = (f: (t: GoTime, args: Value[]) => Value, params: ParamType[] = []): TemplateFunc => ({
  params,
  call: (args) => f(args[0] as GoTime, args.slice(1)),
});

const utcDate = (t: GoTime): Date => new Date(t.ms);

/** The `time.Time` methods a template can call on sprig's dates. */
const TIME_METHODS: Record<string, TemplateFunc> = {
  Unix: timeMethod((t) => new GoInt(BigInt(Math.floor(t.ms / 1000)), 'int64')),
  UnixMilli: timeMethod((t) => new GoInt(BigInt(Math.floor(t.ms)), 'int64')),
  UnixNano: timeMethod((t) => new GoInt(BigInt(Math.floor(t.ms)) * 1_000_000n + BigInt(t.nanos), 'int64')),
  Year: timeMethod((t) => goInt(Number(formatTime(t, '2006')))),
  YearDay: timeMethod((t) => goInt(Number(formatTime(t, '002')))),
  Day: timeMethod((t) => goInt(Number(formatTime(t, '2')))),
  Hour: timeMethod((t) => goInt(Number(formatTime(t, '15')))),
  Minute: timeMethod((t) => goInt(Number(formatTime(t, '4')))),
  Second: timeMethod((t) => goInt(Number(formatTime(t, '5')))),
  Nanosecond: timeMethod((t) => goInt((((t.ms % 1000) + 1000) % 1000) * 1e6 + t.nanos)),
  Format: timeMethod((t, a) => formatTime(t, a[0] as string), ['string']),
  UTC: timeMethod((t) => new GoTime(t.ms, t.nanos, 'UTC')),
  Local: timeMethod((t) => new GoTime(t.ms, t.nanos, 'Local')),
  String: timeMethod((t) => formatTime(t, '2006-01-02 15:04:05.999999999 -0700 MST')),
  IsZero: timeMethod((t) => utcDate(t).getTime() === -62135596800000 && t.nanos === 0),
};
