/**
 * Which networks a container joins: the session network by default (`bridge`), `none`, a network the
 * session created, or another of the session's containers' network namespace; never the host's. Addresses,
 * MAC addresses and driver options are the lab network's to assign; a learner names containers and
 * aliases. The learner's container name becomes an alias on its network, so `curl http://web:8080`
 * finds the container whose engine-side name carries the session prefix.
 */
import { checkKeys, isZero, requireObject, str, strList } from '../fields.ts';
import { badRequest, forbidden } from '../refusal.ts';
import type { JsonObject, JsonValue } from '../strict-json.ts';
import type { CreateLookups, ObjectRef } from './lookups.ts';

const ENDPOINT_KEYS = [
  'IPAMConfig', 'Links', 'Aliases', 'MacAddress', 'DriverOpts', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress',
  'IPPrefixLen', 'IPv6Gateway', 'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'DNSNames', 'GwPriority',
] as const;
const ASSIGNED_BY_THE_LAB = [
  'IPAMConfig', 'MacAddress', 'DriverOpts', 'NetworkID', 'EndpointID', 'Gateway', 'IPAddress', 'IPPrefixLen', 'IPv6Gateway',
  'GlobalIPv6Address', 'GlobalIPv6PrefixLen', 'GwPriority',
];
const ALIAS = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}$/;

type ContainerLookup = (ref: string) => Promise<ObjectRef>;

/** `--link name[:alias]`: the session's own containers, by engine name. */
export async function checkLinks(links: string[], container: ContainerLookup): Promise<string[]> {
  const out: string[] = [];
  for (const link of links) {
    const [name = '', alias, extra] = link.split(':');
    if (extra !== undefined || !name) throw badRequest(`invalid link ${JSON.stringify(link.slice(0, 60))}.`);
    const target = await container(name.replace(/^\//, ''));
    const linkAlias = alias ?? name;
    if (!ALIAS.test(linkAlias.replace(/^\//, ''))) throw badRequest(`invalid link alias ${JSON.stringify(linkAlias.slice(0, 40))}.`);
    out.push(`${target.engineName}:${linkAlias}`);
  }
  return out;
}

/** One endpoint (create's EndpointsConfig entry, or `docker network connect`): aliases and links only. */
export async function checkEndpoint(raw: JsonValue, where: string, container: ContainerLookup): Promise<JsonObject> {
  const endpoint = raw === null ? ({} as JsonObject) : requireObject(raw, where);
  checkKeys(endpoint, ENDPOINT_KEYS, where);
  for (const key of ASSIGNED_BY_THE_LAB) {
    if (!isZero(endpoint[key])) throw forbidden(`${where}.${key}`, 'addresses and driver options are assigned by the lab\'s network; use aliases and container names', 'namespaces');
  }
  const out: JsonObject = {};
  const aliases = strList(endpoint, 'Aliases', where);
  if (aliases) {
    for (const alias of aliases) if (!ALIAS.test(alias)) throw badRequest(`invalid network alias ${JSON.stringify(alias.slice(0, 40))}.`);
    out.Aliases = aliases;
  }
  const dnsNames = strList(endpoint, 'DNSNames', where);
  if (dnsNames?.length) throw forbidden(`${where}.DNSNames`, 'DNS names are derived by the engine', 'namespaces');
  const links = strList(endpoint, 'Links', where);
  if (links?.length) out.Links = await checkLinks(links, container);
  return out;
}

function endpointsOf(config: JsonObject): JsonObject {
  const nc = config.NetworkingConfig;
  if (nc === undefined || nc === null) return {};
  const obj = requireObject(nc, 'NetworkingConfig');
  checkKeys(obj, ['EndpointsConfig'], 'NetworkingConfig');
  return obj.EndpointsConfig === undefined || obj.EndpointsConfig === null ? {} : requireObject(obj.EndpointsConfig, 'NetworkingConfig.EndpointsConfig');
}

/**
 * `--network` and `NetworkingConfig`, rebuilt: sets `hostOut.NetworkMode` and, when the container joins
 * networks, `out.NetworkingConfig`. `name` is the learner's container name, added as an alias.
 */
export async function checkNetworking(config: JsonObject, hc: JsonObject, out: JsonObject, hostOut: JsonObject, lookups: CreateLookups, name?: string): Promise<void> {
  const networkMode = str(hc, 'NetworkMode', 'HostConfig');
  const endpointsIn = endpointsOf(config);
  const endpointsOut: JsonObject = {};
  if (networkMode === 'host') throw forbidden('--network host', 'the host\'s network namespace gives the container every host interface and every service listening on localhost', 'namespaces');
  if (networkMode === 'none') {
    hostOut.NetworkMode = 'none';
    if (Object.keys(endpointsIn).length) throw badRequest('a container with --network none joins no network.');
  } else if (networkMode.startsWith('container:')) {
    hostOut.NetworkMode = `container:${(await lookups.container(networkMode.slice('container:'.length))).id}`;
    if (Object.keys(endpointsIn).length) throw badRequest('a container sharing another\'s network joins no network itself.');
  } else {
    const primary = networkMode === '' || networkMode === 'default' ? 'bridge' : networkMode;
    const network = await lookups.network(primary);
    hostOut.NetworkMode = network.engineName;
    for (const [key, value] of Object.entries(endpointsIn)) {
      const target = await lookups.network(key === 'default' ? 'bridge' : key);
      endpointsOut[target.engineName] = await checkEndpoint(value, `NetworkingConfig.EndpointsConfig[${JSON.stringify(key)}]`, (ref) => lookups.container(ref));
    }
    if (name) {
      const endpoint = (endpointsOut[network.engineName] ?? {}) as JsonObject;
      const aliases = Array.isArray(endpoint.Aliases) ? endpoint.Aliases : [];
      endpointsOut[network.engineName] = { ...endpoint, Aliases: aliases.includes(name) ? aliases : [...aliases, name] };
    }
  }
  if (Object.keys(endpointsOut).length) out.NetworkingConfig = { EndpointsConfig: endpointsOut };
  const links = strList(hc, 'Links', 'HostConfig');
  if (links?.length) hostOut.Links = await checkLinks(links, (ref) => lookups.container(ref));
}
