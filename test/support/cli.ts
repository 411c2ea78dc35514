import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../../src/cli/bin.ts', import.meta.url));

/** A CLI process under test: its output lines, and a way to await one. */
export interface CliProcess {
  readonly proc: ChildProcess;
  readonly out: string[];
  readonly err: string[];
  readonly exit: Promise<number | null>;
  line(pred: (line: string) => boolean, timeoutMs?: number): Promise<string>;
}

/** Runs `plumtree <args>` from the TypeScript source, as `npm run plumtree` does. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv = {}): CliProcess {
  const proc = spawn(process.execPath, ['--import', 'tsx', BIN, ...args], {
    env: { ...process.env, PLUMTREE_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: string[] = [];
  const err: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  const feed = (sink: string[]) => {
    let buf = '';
    return (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let i = buf.indexOf('\n');
      while (i >= 0) {
        const l = buf.slice(0, i);
        buf = buf.slice(i + 1);
        sink.push(l);
        for (const w of [...waiters]) {
          if (w.pred(l)) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve(l);
          }
        }
        i = buf.indexOf('\n');
      }
    };
  };
  proc.stdout?.on('data', feed(out));
  proc.stderr?.on('data', feed(err));
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    proc,
    out,
    err,
    exit,
    line(pred, timeoutMs = 20_000) {
      const seen = [...out, ...err].find(pred);
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(new Error(`no matching line in ${timeoutMs} ms; stderr: ${err.join(' | ')}`)),
          timeoutMs,
        );
        waiters.push({
          pred,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
        });
      });
    },
  };
}

/** Resolves with the exit code, or rejects if the process is still running after `ms`. */
export function exitWithin(p: CliProcess, ms: number): Promise<number | null> {
  return Promise.race([
    p.exit,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms).unref(),
    ),
  ]);
}
