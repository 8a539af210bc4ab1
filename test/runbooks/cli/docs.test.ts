import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCostArgs } from '../../../lib/cost/args';
import { parseArgs } from '../../../runbooks/cli/args';
import { EXIT } from '../../../runbooks/cli/errors';
import { parseArgs as parseEngineArgs } from '../../../runbooks/reconcile/args';
import { parseUndoArgs } from '../../../runbooks/undo/main';
import { EXECUTION_ID } from './fixtures';

/**
 * Every command line the docs quote (code blocks and inline code) must parse with the CLI's own
 * argument parser: the runbook CLI, `npm run cost` and the reconcile engine. Synopsis notation is
 * expanded first: `[...]` is included, `a|b` takes `a`, `<placeholder>` takes a sample value.
 */

const root = join(__dirname, '..', '..', '..');
const DOCS = ['README.md', 'runbooks/cli/README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

const SAMPLES: Readonly<Record<string, string>> = {
  '<region>': 'us-west-2',
  '<serving-region>': 'us-east-1',
  '<execution-id>': EXECUTION_ID,
  '<id>': EXECUTION_ID,
  '<command>': 'status',
  '<a,b>': 'alice,bob',
  '<user-or-role-arn,...>': 'arn:aws:iam::123456789012:role/OnCall',
  '<n>': '30',
  '<seconds>': '20',
  '<name>': 'retail',
  '<r1,r2>': 'us-east-1,us-west-2',
  '<arn>': 'arn:aws:rds:us-east-1:123456789012:cluster-snapshot:rds:unplanned-global-failover-x',
  '<t1,t2>': 'orders,order_items',
  '<text>': 'approved',
  '<file>': 'examples/prod-three-regions.json',
  '<url>': 'postgres://user:pw@127.0.0.1:5432/orders',
  '<dir>': './report',
  '<restored old writer URL>': 'postgres://user:pw@127.0.0.1:5432/orders',
  '<new writer URL>': 'postgres://user:pw@127.0.0.1:5433/orders',
  '<db>': 'orders',
  '<time>': '2026-12-02T07:59:00Z',
  '<writer>': 'us-west-2',
  '<secret-arn>': 'arn:aws:secretsmanager:us-west-2:123456789012:secret:orders-AbCdEf',
};

type Tool = 'runbook' | 'cost' | 'engine' | 'undo';

interface Quoted {
  readonly file: string;
  readonly line: string;
  readonly tool: Tool;
  readonly argv: string[];
}

const START = /(?:npm run (?:-s |--silent )?(runbook|cost|reconcile|undo)\b(?: --(?=\s|$))?|npx retail-(runbook)\b)/g;

/** Shell-like words: quotes group, `|`, `&&`, `;`, `>`, `#` end the command. */
function words(text: string): string[] {
  const result: string[] = [];
  const pattern = /'([^']*)'|"([^"]*)"|(\S+)/g;
  for (const match of text.matchAll(pattern)) {
    const word = match[1] ?? match[2] ?? match[3];
    if (match[3] !== undefined && ['|', '&&', ';', '>', '2>', '#', '||'].includes(word)) break;
    result.push(word);
  }
  return result;
}

function expand(word: string, problems: string[], where: string): string | undefined {
  if (word === '…' || word === '...') return undefined;
  let w = word.replace(/^\[+/, '').replace(/\]+$/, '');
  if (w === '') return undefined;
  w = w.replace(/<[^<>]+>/g, (placeholder) => {
    const sample = SAMPLES[placeholder];
    if (sample === undefined) problems.push(`${where}: no sample value for ${placeholder}`);
    return sample ?? placeholder;
  });
  // Alternatives without spaces (catalog|orders): the first one.
  if (/^[^|]+(\|[^|]+)+$/.test(w) && !w.includes('://')) w = w.split('|')[0];
  return w;
}

function snippets(text: string): string[] {
  const found: string[] = [];
  const withoutFences = text.replace(/```[^\n]*\n([\s\S]*?)```/g, (_block, body: string) => {
    found.push(...body.replace(/\\\n\s*/g, ' ').split('\n'));
    return '\n';
  });
  for (const match of withoutFences.matchAll(/`([^`\n]+)`/g)) found.push(match[1]);
  return found;
}

function quotedCommands(problems: string[]): Quoted[] {
  const quoted: Quoted[] = [];
  for (const file of DOCS) {
    for (const snippet of snippets(readFileSync(join(root, file), 'utf8'))) {
      for (const match of snippet.matchAll(START)) {
        const name = match[1] ?? match[2];
        const tool: Tool = name === 'runbook' ? 'runbook' : name === 'cost' ? 'cost' : name === 'undo' ? 'undo' : 'engine';
        const rest = snippet.slice((match.index ?? 0) + match[0].length);
        const nextStart = rest.search(START);
        const argv = words(nextStart === -1 ? rest : rest.slice(0, nextStart))
          .map((w) => expand(w, problems, `${file}: ${snippet}`))
          .filter((w): w is string => w !== undefined);
        quoted.push({ file, line: snippet.trim(), tool, argv });
      }
    }
  }
  return quoted;
}

function parseWithTool(command: Quoted): void {
  switch (command.tool) {
    case 'runbook': {
      const options = parseArgs(command.argv);
      const asksHelp = command.argv.length === 0 || command.argv.some((w) => w === 'help' || w === '--help' || w === '-h');
      if (options.command === 'help' && !asksHelp) throw new Error('parsed as help without asking for it');
      return;
    }
    case 'cost':
      parseCostArgs(command.argv);
      return;
    case 'engine':
      parseEngineArgs(command.argv);
      return;
    case 'undo':
      // The bare name (prose) is fine; a quoted invocation must parse.
      if (command.argv.length > 0) parseUndoArgs(command.argv, new Date('2026-12-02T08:00:00Z'));
      return;
  }
}

describe('command lines quoted in the docs', () => {
  const problems: string[] = [];
  const commands = quotedCommands(problems);

  test('every placeholder has a sample value', () => {
    expect(problems).toEqual([]);
  });

  test('every quoted command line parses with the CLI\'s own parser', () => {
    const failures: string[] = [];
    for (const command of commands) {
      try {
        parseWithTool(command);
      } catch (error) {
        failures.push(`${command.file}: ${command.line}\n    -> ${command.argv.join(' ')}\n    ${(error as Error).message}`);
      }
    }
    expect(failures).toEqual([]);
  });

  test('the docs quote every runbook command, and the operator card all of them in order', () => {
    const byFile = (file: string) => commands.filter((c) => c.file === file && c.tool === 'runbook').map((c) => c.argv[0]);
    const all = ['status', 'failover', 'switchover', 'failback', 'reconcile', 'follow', 'approve', 'reject'];
    expect(new Set(byFile('runbooks/cli/README.md'))).toEqual(new Set([...all, 'help']));
    const card = byFile('docs/operator-card.md');
    expect(new Set(card)).toEqual(new Set(all));
    const firstOf = (command: string) => card.indexOf(command);
    expect(['status', 'failover', 'reconcile', 'failback', 'switchover'].map(firstOf)).toEqual(
      ['status', 'failover', 'reconcile', 'failback', 'switchover'].map(firstOf).sort((a, b) => a - b),
    );
    expect(commands.filter((c) => c.file === 'README.md').length).toBeGreaterThanOrEqual(15);
    expect(commands.some((c) => c.tool === 'cost' && c.argv.includes('config=examples/prod-three-regions.json'))).toBe(true);
  });

  test('the exit code tables list exactly the CLI\'s exit codes', () => {
    const codes = Object.values(EXIT).sort((a, b) => a - b);
    for (const file of ['runbooks/cli/README.md', 'docs/operator-card.md']) {
      const rows = [...readFileSync(join(root, file), 'utf8').matchAll(/^\| ([0-9]) \|/gm)].map((m) => Number(m[1]));
      expect({ file, rows }).toEqual({ file, rows: codes });
    }
  });
});
