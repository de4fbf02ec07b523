/**
 * Trigger conditions: CEL over the Trigger's inputs, each declared as a `bool` that is true once
 * its event arrived (trigger-handler v4 declares them the same way with cel-go). Checked once at
 * load; compiled once and evaluated on every event.
 */
import { Environment, ParseError, type TypeCheckResult } from '@marcbachmann/cel-js';
import { OfnError } from '../../errors.js';

export interface ConditionProblem {
  /** One line: what is wrong and what to write instead. */
  message: string;
  /** 1-based column in the expression, when known. */
  column?: number;
}

/** Evaluates a compiled condition; inputs missing from `values` count as false. */
export type Condition = (values: Readonly<Record<string, boolean>>) => boolean;

export class ConditionError extends OfnError<'ERR_CONDITION'> {
  constructor(
    readonly expression: string,
    readonly problem: ConditionProblem,
  ) {
    super('ERR_CONDITION', `condition ${JSON.stringify(expression)}: ${problem.message}`);
  }
}

/** What is wrong with `expression` over `inputNames`, or undefined when it is a valid condition. */
export function checkCondition(expression: string, inputNames: readonly string[]): ConditionProblem | undefined {
  if (expression.trim() === '') {
    return { message: `empty: expected a CEL expression over the inputs, e.g. ${JSON.stringify(example(inputNames))}` };
  }
  return problemOf(environmentFor(inputNames).check(expression), inputNames);
}

/** Compiles `expression` once; throws ConditionError when it is not a valid condition. */
export function compileCondition(expression: string, inputNames: readonly string[]): Condition {
  const problem = checkCondition(expression, inputNames);
  if (problem) throw new ConditionError(expression, problem);
  const run = environmentFor(inputNames).parse(expression);
  const names = [...new Set(inputNames)];
  return (values) => {
    // Every declared variable must be in the context: the library throws on a missing one.
    const context: Record<string, boolean> = {};
    for (const name of names) context[name] = values[name] === true;
    return run(context) === true;
  };
}

/**
 * Whether a condition can name this input: a CEL identifier that is not a reserved word
 * (`order-created` or `in` is declared upstream too, but no expression can refer to it).
 */
export function isConditionName(name: string): boolean {
  try {
    const { ast } = environmentFor([name]).parse(name);
    return ast.op === 'id' && ast.args === name;
  } catch {
    return false;
  }
}

function environmentFor(inputNames: readonly string[]): Environment {
  const env = new Environment();
  for (const name of new Set(inputNames)) {
    try {
      env.registerVariable(name, 'bool');
    } catch {
      // A name the library refuses cannot appear in an expression either; isConditionName says so.
    }
  }
  return env;
}

function problemOf(result: TypeCheckResult, inputNames: readonly string[]): ConditionProblem | undefined {
  const { error } = result;
  if (error) {
    const start = error.range?.start ?? error.node?.start;
    const at = start !== undefined ? { column: start + 1 } : {};
    if (error instanceof ParseError) return { message: `not valid CEL: ${error.summary}`, ...at };
    const unknown = error.code === 'unknown_variable' ? unknownName(error) : undefined;
    if (unknown !== undefined) {
      return {
        message:
          `${JSON.stringify(unknown)} is not an input of this Trigger (inputs: ${listNames(inputNames)}); ` +
          'a condition can only name inputs: fix the name or add the input under spec.inputs',
        ...at,
      };
    }
    return { message: `${error.summary} (every input is a bool: combine them with &&, || and !)`, ...at };
  }
  if (result.type !== 'bool') {
    return {
      message: `expected a boolean expression over the inputs, e.g. ${JSON.stringify(example(inputNames))}; this one is of type ${result.type}`,
    };
  }
  return undefined;
}

function unknownName(error: NonNullable<TypeCheckResult['error']>): string | undefined {
  const node = error.node;
  if (node && node.op === 'id' && typeof node.args === 'string') return node.args;
  return /Unknown variable: (\S+)/.exec(error.summary)?.[1];
}

function listNames(names: readonly string[]): string {
  return names.length > 0 ? names.join(', ') : 'none';
}

function example(inputNames: readonly string[]): string {
  const [a = 'a', b = 'b'] = inputNames;
  return inputNames.length > 1 ? `${a} && ${b}` : a;
}
