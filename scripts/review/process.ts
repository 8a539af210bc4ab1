import { spawn } from 'node:child_process';

/** What a finished child process left behind. */
export interface CommandResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CommandOptions {
  readonly cwd: string;
  /** Whole-process deadline: the process group is killed when it passes. */
  readonly deadlineMs: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** A command that failed, or did not finish in time; the message carries the last lines it printed. */
export class CommandError extends Error {
  constructor(message: string, readonly result?: CommandResult) {
    super(message);
    this.name = 'CommandError';
  }
}

const TAIL_LINES = 30;

/** Process groups started here and still running, so that an interrupted review can stop them. */
const running = new Set<number>();

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Stops every child process group this module started that is still running (for Ctrl-C). */
export function stopRunningCommands(): void {
  for (const pid of running) killGroup(pid);
}

/** The last `TAIL_LINES` non-empty lines of a command's output, for error messages. */
export function tailOf(output: string, lines = TAIL_LINES): string {
  return output.split('\n').filter((line) => line.trim() !== '').slice(-lines).join('\n');
}

/**
 * Runs `command args` without a shell. The child leads its own process group so that a deadline
 * also stops what it started (`cdk synth` starts the app, which starts esbuild).
 */
export function runCommand(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const shown = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout: string[] = [];
    const stderr: string[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
    const pid = child.pid;
    if (pid !== undefined) running.add(pid);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (pid !== undefined) killGroup(pid);
    }, options.deadlineMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      reject(new CommandError(`could not start \`${shown}\` in ${options.cwd}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (pid !== undefined) running.delete(pid);
      const result: CommandResult = { exitCode: code ?? 128, stdout: stdout.join(''), stderr: stderr.join('') };
      if (timedOut) {
        const seconds = Math.round(options.deadlineMs / 1000);
        const last = tailOf(`${result.stdout}\n${result.stderr}`) || '(nothing)';
        reject(new CommandError(`\`${shown}\` in ${options.cwd} did not finish within ${seconds} s and was stopped; its last output:\n${last}`, result));
        return;
      }
      if (signal !== null && code === null) {
        reject(new CommandError(`\`${shown}\` in ${options.cwd} was killed by ${signal}; its last output:\n${tailOf(`${result.stdout}\n${result.stderr}`) || '(nothing)'}`, result));
        return;
      }
      resolve(result);
    });
  });
}

/** Like `runCommand`, but a non-zero exit is an error that shows the command's last output. */
export async function runChecked(command: string, args: readonly string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommand(command, args, options);
  if (result.exitCode !== 0) {
    const last = tailOf(`${result.stdout}\n${result.stderr}`) || '(nothing)';
    throw new CommandError(`\`${[command, ...args].join(' ')}\` in ${options.cwd} exited with ${result.exitCode}; its last output:\n${last}`, result);
  }
  return result;
}
