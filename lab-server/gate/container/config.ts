/**
 * The top level of a container config: what runs (image, command, environment, user, working directory)
 * and how it presents itself (host name, exposed ports, labels, stop signal, health check). The user
 * and working directory follow container/user.ts; anonymous volumes follow the mount rules; `bulkhead.*`
 * labels are the gate's; health checks at most once a second, since each is an exec through the daemon.
 */
import type { GatePolicy } from '../policy.ts';
import { bool, checkKeys, int, isZero, keySet, requireObject, SIGNAL, str, strList, strMap } from '../fields.ts';
import { learnerLabels } from '../learner-labels.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject, JsonValue } from '../strict-json.ts';
import { checkVolumePaths } from './mounts.ts';
import { checkUser, checkWorkingDir } from './user.ts';

/** Every top-level field the gate reads; any other is refused (old API versions' top-level HostConfig fields included). */
export const CONFIG_KEYS = [
  'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr', 'ExposedPorts', 'Tty', 'OpenStdin',
  'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir', 'Entrypoint',
  'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell', 'HostConfig', 'NetworkingConfig',
] as const;

const HOSTNAME = /^[a-zA-Z0-9]([a-zA-Z0-9.-]{0,62})$/;
const EXPOSED_PORT = /^[0-9]{1,5}(-[0-9]{1,5})?(\/(tcp|udp|sctp))?$/;
const MIN_HEALTHCHECK_INTERVAL_NS = 1_000_000_000;
const MAX_STOP_TIMEOUT_S = 600;

function checkHealthcheck(raw: JsonValue | undefined): JsonObject | undefined {
  if (raw === undefined || raw === null) return undefined;
  const hc = requireObject(raw, 'Healthcheck');
  checkKeys(hc, ['Test', 'Interval', 'Timeout', 'Retries', 'StartPeriod', 'StartInterval'], 'Healthcheck');
  const out: JsonObject = {};
  const test = strList(hc, 'Test', 'Healthcheck');
  if (test) out.Test = test;
  for (const key of ['Interval', 'Timeout', 'Retries', 'StartPeriod', 'StartInterval']) {
    const value = int(hc, key, 'Healthcheck');
    if (value === undefined || value === 0) continue;
    if (value < 0) throw badRequest(`Healthcheck.${key} must not be negative.`);
    if ((key === 'Interval' || key === 'StartInterval') && value < MIN_HEALTHCHECK_INTERVAL_NS) {
      throw forbidden(`a health check every ${value / 1e6} ms`, 'each check is an exec through the daemon; the lab allows one per second at most', 'best-practices');
    }
    out[key] = value;
  }
  return out;
}

export interface CheckedImage { engineRef: string; user: string; workingDir: string }

/** The top-level fields, rebuilt (HostConfig and NetworkingConfig are the caller's). */
export function checkConfig(config: JsonObject, image: CheckedImage, policy: GatePolicy): JsonObject {
  const W = 'Config';
  const out: JsonObject = { Image: image.engineRef };
  for (const key of ['Hostname', 'Domainname']) {
    const value = str(config, key, W);
    if (value && !HOSTNAME.test(value)) throw badRequest(`invalid ${key} ${JSON.stringify(value.slice(0, 40))}.`);
    if (value) out[key] = value;
  }
  const user = str(config, 'User', W);
  checkUser(user, image.user, policy, 'the container');
  if (user) out.User = user;
  checkWorkingDir(image.workingDir, 'the image\'s');
  const workingDir = str(config, 'WorkingDir', W);
  checkWorkingDir(workingDir, 'the container\'s');
  if (workingDir) out.WorkingDir = workingDir;

  for (const key of ['AttachStdin', 'AttachStdout', 'AttachStderr', 'Tty', 'OpenStdin', 'StdinOnce', 'NetworkDisabled']) out[key] = bool(config, key, W);
  if (bool(config, 'ArgsEscaped', W)) throw badRequest('ArgsEscaped is for Windows containers.');
  if (str(config, 'MacAddress', W)) throw forbidden('--mac-address', 'addresses are assigned by the lab\'s network', 'namespaces');
  if (!isZero(config.OnBuild)) throw badRequest('OnBuild belongs in a Dockerfile, not in a container config.');

  const ports = keySet(config, 'ExposedPorts', W);
  if (ports) {
    for (const port of ports) if (!EXPOSED_PORT.test(port)) throw badRequest(`invalid exposed port ${JSON.stringify(port.slice(0, 20))}.`);
    out.ExposedPorts = Object.fromEntries(ports.map((p) => [p, {}]));
  }
  const env = strList(config, 'Env', W);
  if (env) {
    for (const entry of env) if (entry.startsWith('=') || entry === '') throw badRequest('invalid environment variable.');
    out.Env = env;
  }
  for (const key of ['Cmd', 'Entrypoint', 'Shell']) {
    const value = strList(config, key, W, { acceptString: key !== 'Shell' });
    if (value) out[key] = value;
  }
  const healthcheck = checkHealthcheck(config.Healthcheck);
  if (healthcheck) out.Healthcheck = healthcheck;
  const volumes = keySet(config, 'Volumes', W);
  if (volumes) out.Volumes = checkVolumePaths(volumes);
  out.Labels = learnerLabels(strMap(config, 'Labels', W));
  const stopSignal = str(config, 'StopSignal', W);
  if (stopSignal) {
    if (!SIGNAL.test(stopSignal)) throw badRequest(`invalid stop signal ${JSON.stringify(stopSignal.slice(0, 20))}.`);
    out.StopSignal = stopSignal;
  }
  const stopTimeout = int(config, 'StopTimeout', W);
  if (stopTimeout !== undefined) {
    if (stopTimeout < -1 || stopTimeout > MAX_STOP_TIMEOUT_S) throw badRequest(`StopTimeout must be between -1 and ${MAX_STOP_TIMEOUT_S}.`);
    out.StopTimeout = stopTimeout;
  }
  return out;
}
