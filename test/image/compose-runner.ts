/**
 * `docker compose up -d` done with plain Podman, for the image tests: a
 * Compose file parsed as Compose reads it (YAML merge keys, `${VAR:-default}`
 * interpolation, paths relative to the project directory) and each service
 * started the way Compose starts it — its replicas named `<project>-<service>-<n>`
 * on the project's network under the service's name, its secrets and configs
 * bind-mounted read-only, named volumes, `read_only`, `tmpfs`, `cap_drop`,
 * `security_opt`, the healthcheck — once its `depends_on` conditions hold
 * (started, healthy, completed successfully).
 *
 * Why not podman-compose alone: Debian 12's podman-compose 1.0.3 ignores
 * `depends_on` conditions (it starts every container one second after the
 * previous), `configs:` and `profiles:`, and Podman 4.3 refuses a host port
 * range for one container port (`127.0.0.1:4200-4201:4200`, Compose's way of
 * publishing replicas); deploy/README.md lists it. A key of a service this
 * runner does not translate fails the run, so compose.yaml cannot gain one
 * the test silently drops.
 *
 * What differs from a Docker host, on purpose: services the test provides
 * outside Podman (stand-ins: no image registry here) resolve, by `--add-host`,
 * to the network's gateway address where the test serves them; published host
 * ports are free ports of the test's choosing (a shared host may hold 4200);
 * healthchecks are run by the runner every half second (no systemd here to
 * time them), where Docker waits `interval` before the first.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { freePort } from '../helpers/free-port.js';
import { podman } from './podman.js';

type Condition = 'service_started' | 'service_healthy' | 'service_completed_successfully';

interface Healthcheck {
  test?: string | string[];
  interval?: string;
  timeout?: string;
  retries?: number;
  start_period?: string;
  disable?: boolean;
}

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string | number | boolean>;
  read_only?: boolean;
  tmpfs?: string[];
  cap_drop?: string[];
  security_opt?: string[];
  restart?: string;
  stop_grace_period?: string;
  networks?: string[];
  secrets?: string[];
  configs?: Array<{ source: string; target: string }>;
  volumes?: string[];
  ports?: string[];
  depends_on?: string[] | Record<string, { condition?: Condition }>;
  healthcheck?: Healthcheck;
  deploy?: { replicas?: number };
  profiles?: string[];
}

interface ComposeFile {
  services: Record<string, Service>;
  networks?: Record<string, unknown>;
  volumes?: Record<string, unknown>;
  secrets?: Record<string, { file: string }>;
  configs?: Record<string, { file: string }>;
}

/** The service keys the runner translates; any other fails the run (`x-` keys are Compose's own extension fields). */
const TRANSLATED = new Set(['image', 'build', 'command', 'entrypoint', 'environment', 'read_only', 'tmpfs', 'cap_drop', 'security_opt', 'restart', 'stop_grace_period', 'networks', 'secrets', 'configs', 'volumes', 'ports', 'depends_on', 'healthcheck', 'deploy', 'profiles']);

/** A service the test provides outside Podman: its name resolves to the network's gateway address. */
export interface StandIn {
  /** Resolves when the service is what its dependants wait for (healthy); rejects when it cannot be. */
  ready(): Promise<void>;
}

export interface ComposeRunnerOptions {
  /** The Compose file, as an operator has it. */
  file: string;
  /** Where its relative paths (secrets, configs, bind mounts) resolve: Compose's `--project-directory`. */
  projectDirectory: string;
  /** Compose's project name: container, network and volume names start with it. */
  project: string;
  /** The variables `${…}` reads (Compose: the shell and `.env`). */
  variables: Record<string, string>;
  /** Where each container's log is written when the project is taken down. */
  logDir: string;
}

/** When one container turned ready, counted from `up()`. */
export interface ServiceTiming {
  container: string;
  /** How the service counted as up: a healthcheck passed, it exited 0, or it started (no condition asked more). */
  state: 'healthy' | 'completed' | 'started';
  ms: number;
}

/** A published port: the host port Compose would bind, and the one used here. */
export interface PublishedPort {
  service: string;
  replica: number;
  declared: string;
  host: string;
}

const durationSeconds = (value: string | undefined): string | undefined => {
  if (value === undefined) return undefined;
  if (!/^\d+(\.\d+)?(ms|s|m|h)$/.test(value)) throw new Error(`a duration Compose would reject: ${value}`);
  return value;
};

/** `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$`, as Compose interpolates every string of the file. */
function interpolate(value: unknown, variables: Record<string, string>, path: string): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (whole === '$$') return '$';
      const set = Object.hasOwn(variables, name!) ? variables[name!] : undefined;
      if (op === ':-') return set === undefined || set === '' ? fallback! : set;
      if (op === '-') return set ?? fallback!;
      if (set === undefined) throw new Error(`${path}: \${${name}} is not set and has no default`);
      return set;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => interpolate(item, variables, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, interpolate(item, variables, `${path}.${key}`)]));
  return value;
}

/** Reads a Compose file as Compose does: merge keys resolved, variables interpolated. */
export function readCompose(file: string, variables: Record<string, string>): ComposeFile {
  const raw = parse(readFileSync(file, 'utf8'), { merge: true }) as Record<string, unknown>;
  const withoutExtensions = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.startsWith('x-')));
  return interpolate(withoutExtensions, variables, file) as ComposeFile;
}

function dependencies(service: Service): Array<[string, Condition]> {
  const deps = service.depends_on;
  if (deps === undefined) return [];
  if (Array.isArray(deps)) return deps.map((name) => [name, 'service_started']);
  return Object.entries(deps).map(([name, { condition }]) => [name, condition ?? 'service_started']);
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One Compose project started with Podman; `down()` removes every container, volume and network it made. */
export class ComposeRunner {
  readonly #options: ComposeRunnerOptions;
  readonly #compose: ComposeFile;
  readonly #containers = new Map<string, string[]>();
  readonly #conditions = new Map<string, Promise<void>>();
  readonly #volumes = new Map<string, Promise<void>>();
  readonly #timings: ServiceTiming[] = [];
  readonly #ports: PublishedPort[] = [];
  #standIns: Record<string, StandIn> = {};
  #gateway = '';
  /** The network's bridge on the host (`network_interface`), whose address is pinned at the first start. */
  #bridge = '';
  #bridgePinned: Promise<void> | undefined;
  #startedAt = 0;

  constructor(options: ComposeRunnerOptions) {
    this.#options = options;
    this.#compose = readCompose(options.file, options.variables);
  }

  /** The file as read (interpolated), for what the test derives from it. */
  get compose(): ComposeFile {
    return this.#compose;
  }

  get timings(): readonly ServiceTiming[] {
    return this.#timings;
  }

  get ports(): readonly PublishedPort[] {
    return this.#ports;
  }

  /** The network's bridge on the host, once the network is created. */
  get bridge(): string {
    return this.#bridge;
  }

  /** The containers of a service, by replica (`<project>-<service>-<n>`). */
  containersOf(service: string): readonly string[] {
    return this.#containers.get(service) ?? [];
  }

  /** The project's network name as Compose names it (`<project>_<network>`). */
  networkName(network: string): string {
    return `${this.#options.project}_${network}`;
  }

  #labels(extra: Record<string, string> = {}): string[] {
    // Compose's labels (podman-compose reads the same project label), so one filter finds everything the run made.
    const labels = { 'com.docker.compose.project': this.#options.project, 'io.podman.compose.project': this.#options.project, ...extra };
    return Object.entries(labels).flatMap(([key, value]) => ['--label', `${key}=${value}`]);
  }

  /**
   * Creates the project's one network and returns its gateway address: where
   * the stand-ins listen, before any container needs them.
   */
  async createNetwork(): Promise<string> {
    const names = Object.keys(this.#compose.networks ?? { default: {} });
    if (names.length !== 1) throw new Error(`the runner starts projects with one network; the file declares ${names.join(', ')}`);
    const name = this.networkName(names[0]!);
    await podman(['network', 'create', ...this.#labels(), name]);
    const [inspected] = JSON.parse(await podman(['network', 'inspect', name])) as Array<{ subnets?: Array<{ gateway?: string }>; dns_enabled?: boolean; network_interface?: string }>;
    const gateway = inspected?.subnets?.[0]?.gateway;
    if (gateway === undefined) throw new Error(`podman network ${name} has no gateway address`);
    if (inspected?.dns_enabled !== true) throw new Error(`podman network ${name} has no DNS: services would not find each other by name (install the CNI dnsname plugin, see deploy/README.md)`);
    if (inspected?.network_interface === undefined) throw new Error(`podman network ${name} names no bridge (network_interface)`);
    this.#gateway = gateway;
    this.#bridge = inspected.network_interface;
    return gateway;
  }

  /**
   * Starts a container; the project's first start also pins the bridge's
   * address, and every other start waits for that.
   */
  async #startContainer(container: string): Promise<void> {
    if (this.#bridgePinned === undefined) {
      // Every later start waits on this one: its failure says whose it was (and, once started, the container's log).
      this.#bridgePinned = podman(['start', container]).then(
        () =>
          this.#pinBridgeAddress().catch(async (err: Error) => {
            throw new Error(`pinning the bridge ${this.#bridge}'s address after ${container} started: ${err.message}\n${await this.#tail(container)}`);
          }),
        (err: Error) => {
          throw new Error(`${container}, the project's first container, did not start (every other start waits on it): ${err.message}`);
        },
      );
      return this.#bridgePinned;
    }
    await this.#bridgePinned;
    await podman(['start', container]);
  }

  /**
   * Linux gives a bridge whose address was never set the lowest address of
   * its ports. A container that joins with a lower one (the cli's `run
   * --rm`), or leaves, then changes the MAC address behind the network's
   * gateway address, and every other container's ARP entry for it goes stale:
   * their open connections to the stand-ins there stall until the entry is
   * learnt again, tens of seconds (seen with Podman 4.3 on both netavark 1.4
   * and CNI; netavark 1.9 and later set the address themselves). An address
   * set by hand, even the one the bridge has, is kept by the kernel. Pinned
   * as soon as the first container has made the bridge, before another joins,
   * so no container ever saw another address.
   */
  async #pinBridgeAddress(): Promise<void> {
    const address = readFileSync(`/sys/class/net/${this.#bridge}/address`, 'utf8').trim();
    await promisify(execFile)('ip', ['link', 'set', 'dev', this.#bridge, 'address', address]);
  }

  /**
   * `docker compose up -d` for `services` and what they depend on: each
   * service starts once its dependencies' conditions hold; resolves when
   * every one of them is up as its dependants (or the caller) need it:
   * healthy when it has a healthcheck, completed when it runs once.
   */
  async up(options: { services: string[]; standIns: Record<string, StandIn> }): Promise<void> {
    if (this.#gateway === '') throw new Error('createNetwork() first');
    this.#standIns = options.standIns;
    this.#startedAt = Date.now();
    await Promise.all(options.services.map((name) => this.#reach(name, this.#finalCondition(name))));
  }

  /** What `up` waits for of a service nobody depends on: its healthcheck, or its exit when it runs once. */
  #finalCondition(name: string): Condition {
    const service = this.#service(name);
    if (service.healthcheck?.test !== undefined && service.healthcheck.disable !== true) return 'service_healthy';
    return service.restart === 'no' ? 'service_completed_successfully' : 'service_started';
  }

  #service(name: string): Service {
    if (!Object.hasOwn(this.#compose.services, name)) throw new Error(`no service ${name} in ${this.#options.file}`);
    return this.#compose.services[name]!;
  }

  #reach(name: string, condition: Condition): Promise<void> {
    const key = `${name}:${condition}`;
    let reached = this.#conditions.get(key);
    if (reached === undefined) {
      if (Object.hasOwn(this.#standIns, name)) reached = this.#standIns[name]!.ready();
      else if (condition === 'service_started') reached = this.#start(name);
      else reached = this.#reach(name, 'service_started').then(() => this.#wait(name, condition));
      this.#conditions.set(key, reached);
      // A failure is reported by whoever awaits the condition; this keeps Node from calling it unhandled meanwhile.
      reached.catch(() => undefined);
    }
    return reached;
  }

  async #start(name: string): Promise<void> {
    const service = this.#service(name);
    await Promise.all(dependencies(service).map(([dep, condition]) => this.#reach(dep, condition)));
    const replicas = service.deploy?.replicas ?? 1;
    const names: string[] = [];
    this.#containers.set(name, names);
    for (let replica = 1; replica <= replicas; replica++) {
      const container = `${this.#options.project}-${name}-${replica}`;
      names.push(container);
      await podman(['create', ...(await this.#createArgs(name, service, replica, container))]);
      await this.#startContainer(container);
    }
    if (this.#finalCondition(name) === 'service_started') for (const container of names) this.#timings.push({ container, state: 'started', ms: Date.now() - this.#startedAt });
  }

  async #wait(name: string, condition: Condition): Promise<void> {
    if (condition === 'service_started') return;
    const service = this.#service(name);
    for (const container of this.containersOf(name)) {
      if (condition === 'service_completed_successfully') {
        const code = (await podman(['wait', container], { timeoutMs: 300_000 })).trim();
        if (code !== '0') throw new Error(`${container} exited ${code}, its dependants need it to complete successfully:\n${await this.#tail(container)}`);
        this.#timings.push({ container, state: 'completed', ms: Date.now() - this.#startedAt });
        continue;
      }
      if (service.healthcheck?.test === undefined || service.healthcheck.disable === true) throw new Error(`${name} has no healthcheck, but a dependant waits for it to be healthy`);
      await this.#healthy(container);
      this.#timings.push({ container, state: 'healthy', ms: Date.now() - this.#startedAt });
    }
  }

  /**
   * Runs the container's healthcheck until it passes. Fails early when the
   * container exits or has been restarted (`restart: unless-stopped` would
   * hide a process that dies at start), with its log.
   */
  async #healthy(container: string, timeoutMs = 240_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const failed = await podman(['healthcheck', 'run', container], { timeoutMs: 30_000 }).then(() => undefined, (err: Error) => err.message);
      if (failed === undefined) return;
      const [status, exitCode, restarts] = (await podman(['inspect', container, '--format', '{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}'])).trim().split(' ');
      if (status === 'exited' || restarts !== '0' || Date.now() > deadline) {
        throw new Error(`${container} is not healthy (${status}, exit code ${exitCode}, restarted ${restarts} times; healthcheck: ${failed.slice(-300)}):\n${await this.#tail(container)}`);
      }
      await pause(500);
    }
  }

  async #tail(container: string): Promise<string> {
    return (await podman(['logs', '--tail', '40', container], { stderr: true }).catch((err: Error) => err.message)).slice(-6000);
  }

  /** Creates a named volume once, however many services mount it. */
  #volume(source: string, volumeName: string): Promise<void> {
    let created = this.#volumes.get(volumeName);
    if (created === undefined) {
      created = podman(['volume', 'create', ...this.#labels({ 'com.docker.compose.volume': source }), volumeName]).then(() => undefined);
      this.#volumes.set(volumeName, created);
    }
    return created;
  }

  #path(file: string): string {
    return isAbsolute(file) ? file : resolve(this.#options.projectDirectory, file);
  }

  async #createArgs(name: string, service: Service, replica: number, container: string): Promise<string[]> {
    const unknown = Object.keys(service).filter((key) => !TRANSLATED.has(key));
    if (unknown.length > 0) throw new Error(`service ${name} uses ${unknown.join(', ')}, which test/image/compose-runner.ts does not translate`);
    if (service.image === undefined) throw new Error(`service ${name} has no image`);
    const args = ['--name', container, ...this.#labels({ 'com.docker.compose.service': name, 'com.docker.compose.container-number': String(replica) })];
    const networks = service.networks ?? Object.keys(this.#compose.networks ?? { default: {} });
    if (networks.length !== 1) throw new Error(`service ${name}: the runner joins one network, not ${networks.join(', ')}`);
    args.push('--network', this.networkName(networks[0]!), '--network-alias', name);
    for (const standIn of Object.keys(this.#standIns)) args.push('--add-host', `${standIn}:${this.#gateway}`);
    // Podman's --read-only also mounts tmpfs on /run, /tmp and /var/tmp; Docker's does not: only the file's tmpfs here.
    if (service.read_only === true) args.push('--read-only', '--read-only-tmpfs=false');
    for (const path of service.tmpfs ?? []) args.push('--tmpfs', path);
    for (const cap of service.cap_drop ?? []) args.push('--cap-drop', cap);
    for (const option of service.security_opt ?? []) args.push('--security-opt', option);
    if (service.restart !== undefined) args.push('--restart', service.restart);
    const grace = durationSeconds(service.stop_grace_period);
    if (grace !== undefined) args.push('--stop-timeout', String(Math.ceil(Number.parseFloat(grace) * (grace.endsWith('m') ? 60 : grace.endsWith('ms') ? 0.001 : 1))));
    for (const [key, value] of Object.entries(service.environment ?? {})) args.push('--env', `${key}=${String(value)}`);
    for (const secret of service.secrets ?? []) {
      const declared = this.#compose.secrets?.[secret];
      if (declared?.file === undefined) throw new Error(`service ${name}: secret ${secret} is not declared with a file`);
      // Compose without Swarm bind-mounts the file, read-only, at /run/secrets/<name>.
      args.push('--volume', `${this.#path(declared.file)}:/run/secrets/${secret}:ro`);
    }
    for (const config of service.configs ?? []) {
      const declared = this.#compose.configs?.[config.source];
      if (declared?.file === undefined) throw new Error(`service ${name}: config ${config.source} is not declared with a file`);
      args.push('--volume', `${this.#path(declared.file)}:${config.target ?? `/${config.source}`}:ro`);
    }
    for (const volume of service.volumes ?? []) {
      const [source, target, mode] = volume.split(':');
      if (source === undefined || target === undefined) throw new Error(`service ${name}: volume ${volume} is not source:target`);
      const named = !source.startsWith('.') && !source.startsWith('/');
      if (named && !Object.hasOwn(this.#compose.volumes ?? {}, source)) throw new Error(`service ${name}: volume ${source} is not declared`);
      const volumeName = `${this.#options.project}_${source}`;
      if (named) await this.#volume(source, volumeName);
      args.push('--volume', `${named ? volumeName : this.#path(source)}:${target}${mode ? `:${mode}` : ''}`);
    }
    for (const port of service.ports ?? []) {
      const match = /^(?:([\d.]+):)?(\d+)(?:-(\d+))?:(\d+)$/.exec(port);
      if (match === null) throw new Error(`service ${name}: port ${port} is not [ip:]host[-host]:container`);
      const [, ip = '0.0.0.0', first, last, target] = match;
      // Compose gives replica n the n-th port of a host range; the runner a free port in its stead.
      const declared = String(Number(first) + replica - 1);
      if (last !== undefined && Number(declared) > Number(last)) throw new Error(`service ${name}: replica ${replica} has no port left in ${port}`);
      const host = String(await freePort());
      args.push('--publish', `${ip}:${host}:${target}`);
      this.#ports.push({ service: name, replica, declared: `${ip}:${declared}`, host: `${ip}:${host}` });
    }
    args.push(...healthcheckArgs(name, service.healthcheck));
    if (service.entrypoint !== undefined) args.push('--entrypoint', JSON.stringify(service.entrypoint));
    args.push(service.image, ...(service.command ?? []));
    return args;
  }

  /** Saves each container's log to the log folder, then removes the project's containers (with the anonymous volume of the image's VOLUME), volumes and network. */
  async down(): Promise<void> {
    const filter = `label=com.docker.compose.project=${this.#options.project}`;
    mkdirSync(this.#options.logDir, { recursive: true });
    const containers = (await podman(['ps', '--all', '--filter', filter, '--format', '{{.Names}}']).catch(() => '')).split('\n').filter(Boolean);
    for (const container of containers) {
      const log = await podman(['logs', container], { stderr: true }).catch((err: Error) => err.message);
      writeFileSync(join(this.#options.logDir, `${container}.log`), log);
    }
    if (containers.length > 0) await podman(['rm', '--force', '--volumes', '--time', '2', ...containers]).catch(() => undefined);
    const volumes = (await podman(['volume', 'ls', '--filter', filter, '--format', '{{.Name}}']).catch(() => '')).split('\n').filter(Boolean);
    if (volumes.length > 0) await podman(['volume', 'rm', '--force', ...volumes]).catch(() => undefined);
    for (const network of Object.keys(this.#compose.networks ?? { default: {} })) await podman(['network', 'rm', '--force', this.networkName(network)]).catch(() => undefined);
  }
}

/**
 * The healthcheck as `podman create` flags. An exec-form test goes as a JSON
 * array without its "CMD" (Podman splits a "CMD" array on spaces).
 */
function healthcheckArgs(name: string, check: Healthcheck | undefined): string[] {
  if (check === undefined) return [];
  if (check.disable === true) return ['--no-healthcheck'];
  const test = check.test;
  let command: string;
  if (typeof test === 'string') command = JSON.stringify(['CMD-SHELL', test]);
  else if (test?.[0] === 'CMD') command = JSON.stringify(test.slice(1));
  else if (test?.[0] === 'CMD-SHELL') command = JSON.stringify(test);
  else throw new Error(`service ${name}: healthcheck test ${JSON.stringify(test)} is neither CMD nor CMD-SHELL`);
  const args = ['--health-cmd', command];
  const interval = durationSeconds(check.interval);
  const timeout = durationSeconds(check.timeout);
  const startPeriod = durationSeconds(check.start_period);
  if (interval !== undefined) args.push('--health-interval', interval);
  if (timeout !== undefined) args.push('--health-timeout', timeout);
  if (startPeriod !== undefined) args.push('--health-start-period', startPeriod);
  if (check.retries !== undefined) args.push('--health-retries', String(check.retries));
  return args;
}
