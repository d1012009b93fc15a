// Memory and CPU of the processes a scale run involves, read from /proc (Linux; NaN or empty elsewhere). CPU per
// role tells where the time of a slow run went: the worker(s), the Temporal dev server, or PostgreSQL.
import fs from 'node:fs';

/** Resident set size of a process in bytes. */
export function rssBytes(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** utime + stime in seconds (clock ticks of 100 Hz, the Linux default). */
  cpu: number;
  /** cutime + cstime: CPU of children it has reaped (PostgreSQL backends that closed, for the postmaster). */
  reapedCpu: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    // After "pid (comm) ": state ppid … utime stime are fields 3, 4 … 14, 15 of the whole line (1-based).
    const fields = stat.slice(close + 2).split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      comm: stat.slice(stat.indexOf('(') + 1, close),
      cpu: (Number(fields[11]) + Number(fields[12])) / 100,
      reapedCpu: (Number(fields[13]) + Number(fields[14])) / 100,
    };
  } catch {
    return undefined;
  }
}

export function cpuSeconds(pid: number): number {
  return readStat(pid)?.cpu ?? NaN;
}

/** benchmark: this process (simulator and client in the scale runs); worker: the worker processes. */
export type Role = 'benchmark' | 'worker' | 'temporal' | 'postgres' | 'other';
export type CpuByRole = Record<Role, number>;

/**
 * CPU seconds used so far by this process and its descendants, by role. Only descendants are seen: a stack that
 * TEMPORAL_ADDRESS / DATABASE_URL point at is someone else's and is not counted.
 */
export function cpuByRole(workerPids: number[] = []): Map<number, { role: Role; cpu: number }> {
  let all: ProcStat[] = [];
  try {
    all = fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).flatMap((d) => readStat(Number(d)) ?? []);
  } catch {
    return new Map();
  }
  const children = new Map<number, ProcStat[]>();
  for (const p of all) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out = new Map<number, { role: Role; cpu: number }>();
  const visit = (p: ProcStat, inherited?: Role) => {
    const role: Role =
      p.pid === process.pid ? 'benchmark'
      : workerPids.includes(p.pid) ? 'worker'
      // The CLI's dev server is `temporal`, the production server `temporal-server`.
      : p.comm.startsWith('temporal') ? 'temporal'
      : p.comm.startsWith('postgres') ? 'postgres'
      : (inherited ?? 'other');
    // The first process of a role also carries what its reaped children used; below it, those are its own children.
    out.set(p.pid, { role, cpu: p.cpu + (role !== inherited ? p.reapedCpu : 0) });
    for (const c of children.get(p.pid) ?? []) visit(c, role === 'benchmark' ? undefined : role);
  };
  const self = all.find((p) => p.pid === process.pid);
  if (self) visit(self);
  return out;
}

/** CPU used per role between two cpuByRole() snapshots (processes that appeared in between count whole). */
export function cpuDelta(before: ReturnType<typeof cpuByRole>, after: ReturnType<typeof cpuByRole>): CpuByRole {
  const total: CpuByRole = { benchmark: 0, worker: 0, temporal: 0, postgres: 0, other: 0 };
  for (const [pid, { role, cpu }] of after) total[role] += cpu - (before.get(pid)?.cpu ?? 0);
  for (const role of Object.keys(total) as Role[]) total[role] = Math.round(total[role] * 10) / 10;
  return total;
}

/** CPU seconds each of these processes (and what it reaped) used between two snapshots, in the order given. */
export function cpuOfPids(before: ReturnType<typeof cpuByRole>, after: ReturnType<typeof cpuByRole>, pids: number[]): number[] {
  return pids.map((pid) => Math.round(((after.get(pid)?.cpu ?? NaN) - (before.get(pid)?.cpu ?? 0)) * 10) / 10);
}
