import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

/** The project root (this file lives in <project>/stack/). */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

/** Git-ignored folder for everything the local stack writes. */
export const DEFAULT_STACK_ROOT = path.join(PROJECT_ROOT, '.stack');

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Last lines of a child's output, kept so start-up failures can show why. */
export class OutputTail {
  private lines: string[] = [];
  constructor(private readonly max = 40) {}
  push(chunk: string): void {
    for (const line of chunk.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      this.lines.push(line);
      if (this.lines.length > this.max) this.lines.shift();
    }
  }
  toString(): string {
    return this.lines.join('\n');
  }
}

/** Resolves true if something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * Fails early with a readable message when a port is taken: otherwise the
 * readiness probe could mistake another server (e.g. a second
 * `npm run services`) for the one we just spawned.
 */
export async function assertPortFree(port: number, what: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new Error(`${what}: port ${port} on 127.0.0.1 is already in use (another \`npm run services\`?). Stop it or choose another port.`);
  }
}

/**
 * Free ports for throw-away servers (tests). Picked at random *below* the
 * kernel's ephemeral range: a port-0 port comes from that range, where any
 * outgoing connection (or the dev server's own random HTTP/metrics ports) can
 * grab it between our check and the server's bind — we saw exactly that flake.
 * Each candidate is verified by listening; all are held until every one is found.
 */
export async function freePorts(count: number): Promise<number[]> {
  const low = ephemeralRangeStart();
  const servers: net.Server[] = [];
  for (let attempt = 0; servers.length < count; attempt++) {
    const candidate = low > 11_000 && attempt < 100 ? 10_000 + Math.floor(Math.random() * (low - 10_000)) : 0;
    const server = await listenOn(candidate).catch(() => undefined);
    if (server) servers.push(server);
  }
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}

function listenOn(port: number): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

function ephemeralRangeStart(): number {
  try {
    return Number.parseInt(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8'), 10) || 32_768;
  } catch {
    return 49_152; // IANA's ephemeral range, used by macOS
  }
}

/** true if a process with this pid exists (EPERM means it exists but belongs to someone else). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isExecutableFile(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** First executable called `name` on PATH, like `which`. */
export function findOnPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && isExecutableFile(path.join(dir, name))) return path.join(dir, name);
  }
  return undefined;
}

export function formatMs(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export interface ServiceSpawn {
  command: string;
  args: string[];
  /** The child's environment on top of PATH and HOME (nothing else of ours leaks into it). */
  env?: Record<string, string>;
  cwd?: string;
  /** Output is appended here too, under a header line naming `label`. */
  logFile?: string;
  label: string;
}

/** A long-running server we spawned (Temporal server, Web UI server). */
export interface ServiceProcess {
  pid: number;
  /** The last lines it printed, for start-up errors. */
  tail: OutputTail;
  exited(): boolean;
  exitCode(): number | null;
  /** Resolves when the process has exited, however. */
  closed: Promise<void>;
  /** SIGTERM (servers drain and deregister), SIGKILL after 10 s. */
  stop(): Promise<void>;
}

export function spawnService(options: ServiceSpawn): ServiceProcess {
  const tail = new OutputTail();
  let logStream: fs.WriteStream | undefined;
  if (options.logFile) {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    logStream = fs.createWriteStream(options.logFile, { flags: 'a' });
    logStream.write(`\n=== ${options.label} ${new Date().toISOString()} ===\n`);
  }
  const child = spawn(options.command, options.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/', ...options.env },
  });
  const onOutput = (chunk: Buffer) => {
    tail.push(chunk.toString());
    logStream?.write(chunk);
  };
  child.stdout.on('data', onOutput);
  child.stderr.on('data', onOutput);
  // Our own process ending without stop() (an uncaught error, process.exit) must not leave the server running.
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  // A binary that cannot be executed emits 'error' (and 'close'); exited() then reports it.
  child.once('error', (err) => tail.push(`${options.label}: ${err.message}`));
  void closed.then(() => {
    process.off('exit', killOnExit);
    logStream?.end();
  });
  const done = () => child.exitCode !== null || child.signalCode !== null;
  return {
    pid: child.pid ?? -1,
    tail,
    closed,
    exited: done,
    exitCode: () => child.exitCode,
    async stop() {
      if (done()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await closed;
      clearTimeout(timer);
    },
  };
}
