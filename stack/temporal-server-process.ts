// One production Temporal server process (the binary of stack/temporal-server-binary.ts). `startTemporalServerProcess`
// runs it from any config file (the PostgreSQL cluster of stack/temporal-cluster.ts renders config/temporal/server.yaml
// through environment variables); `spawnTemporalServer` writes a single-node config on SQLite files in a folder of
// the caller's, running the frontend, history and matching services only: the internal worker service (system
// workflows) is not needed there. Callers add what differs — TLS on the frontend, dynamic-config flags — and do
// their own readiness (a plain or an mTLS connection).
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { freePorts, spawnService, type ServiceProcess, type OutputTail } from './util';

/**
 * What a server this project starts locally (the PostgreSQL cluster of stack/temporal-cluster.ts, the single-node
 * SQLite server below) turns on in dynamic config: it registers search attributes and starts workflows the same
 * second, so every read refreshes the search-attribute cache. A testing switch that doubles the server's database
 * transactions; the deployed config/temporal/dynamicconfig.yaml leaves it off and the benchmark turns it off again.
 */
export const LOCAL_SERVER_DYNAMIC_CONFIG: Record<string, unknown> = { 'system.forceSearchAttributesCacheRefreshOnRead': true };

export interface TemporalServerProcessOptions {
  binary: string;
  /** Holds the config files and the SQLite databases; the caller owns it. */
  dir: string;
  /** Extra dynamic-config lines (YAML); search attributes registered a moment ago are always visible at once. */
  dynamicConfig?: string;
  /** YAML under `global:` (indented by two spaces), e.g. a `tls:` block. */
  globalExtra?: string;
}

export interface TemporalServerProcess {
  address: string;
  /** The last lines the server printed, for start-up errors. */
  tail: OutputTail;
  exited(): boolean;
  exitCode(): number | null;
  stop(): Promise<void>;
}

export interface TemporalServerProcessSpawn {
  binary: string;
  configFile: string;
  /** Environment of the server (the config template's variables); PATH and HOME are always passed on. */
  env?: Record<string, string>;
  /** Services to run; all four when omitted. */
  services?: string[];
  /** The server's output is appended here too. */
  logFile?: string;
}

export function startTemporalServerProcess(options: TemporalServerProcessSpawn): ServiceProcess {
  const args = ['--config-file', options.configFile, '--allow-no-auth', 'start'];
  for (const service of options.services ?? []) args.push('--service', service);
  return spawnService({ command: options.binary, args, env: options.env, logFile: options.logFile, label: 'temporal-server' });
}

export async function spawnTemporalServer(options: TemporalServerProcessOptions): Promise<TemporalServerProcess> {
  const { binary, dir } = options;
  const [frontend, frontendMembership, frontendHttp, history, historyMembership, matching, matchingMembership] = await freePorts(7);
  const dynamicConfig = path.join(dir, 'dynamicconfig.yaml');
  const local = Object.fromEntries(Object.entries(LOCAL_SERVER_DYNAMIC_CONFIG).map(([key, value]) => [key, [{ value }]]));
  fs.writeFileSync(dynamicConfig, `${YAML.stringify(local)}${options.dynamicConfig ?? ''}`);
  const sqlite = (name: string) => `
      sql:
        pluginName: sqlite
        databaseName: ${path.join(dir, `${name}.db`)}
        connectAddr: localhost
        connectProtocol: tcp
        connectAttributes: { mode: rwc, setup: true, journal_mode: wal }
        maxConns: 1
        maxIdleConns: 1`;
  const service = (grpc: number, membership: number, extra = '') => `
    rpc:
      grpcPort: ${grpc}
      membershipPort: ${membership}
      bindOnLocalHost: true${extra}`;
  const configFile = path.join(dir, 'temporal-server.yaml');
  fs.writeFileSync(
    configFile,
    `
log: { stdout: true, level: warn }
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: 1
  datastores:
    default:${sqlite('temporal')}
    visibility:${sqlite('visibility')}
global:
  membership: { maxJoinDuration: 30s, broadcastAddress: 127.0.0.1 }
${options.globalExtra ?? ''}
services:
  frontend:${service(frontend, frontendMembership, `\n      httpPort: ${frontendHttp}`)}
  history:${service(history, historyMembership)}
  matching:${service(matching, matchingMembership)}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active: { enabled: true, initialFailoverVersion: 1, rpcName: frontend, rpcAddress: "127.0.0.1:${frontend}", httpAddress: "127.0.0.1:${frontendHttp}" }
dcRedirectionPolicy: { policy: noop }
dynamicConfigClient: { filepath: ${dynamicConfig}, pollInterval: 10s }
`,
  );
  const server = startTemporalServerProcess({ binary, configFile, services: ['frontend', 'history', 'matching'] });
  return {
    address: `127.0.0.1:${frontend}`,
    tail: server.tail,
    exited: server.exited,
    exitCode: server.exitCode,
    stop: server.stop,
  };
}
