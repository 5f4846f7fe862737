/**
 * The allowlist of engine endpoints, matched on the decoded, canonical path (see request.ts). A request
 * that matches no entry is refused. Container, network, volume and exec references are one path
 * segment; image references may contain `/`, as in the engine's own router.
 */
import type { Method } from './request.ts';

export type RouteName =
  | 'ping' | 'version' | 'info' | 'events'
  | 'containerList' | 'containerCreate' | 'containerPrune' | 'containerInspect' | 'containerTop'
  | 'containerLogs' | 'containerChanges' | 'containerStats' | 'containerResize' | 'containerStart'
  | 'containerStop' | 'containerRestart' | 'containerKill' | 'containerPause' | 'containerUnpause'
  | 'containerWait' | 'containerRename' | 'containerAttach' | 'containerExec' | 'containerDelete'
  | 'containerArchive' | 'containerExport' | 'containerUpdate' | 'commit'
  | 'execStart' | 'execResize' | 'execInspect'
  | 'imageList' | 'imageCreate' | 'imageInspect' | 'imageHistory' | 'imageTag' | 'imageDelete'
  | 'imagePush' | 'imageExport' | 'imageLoad' | 'imagePrune' | 'imageSearch' | 'build' | 'buildkit'
  | 'networkList' | 'networkInspect' | 'networkCreate' | 'networkDelete' | 'networkConnect'
  | 'networkDisconnect' | 'networkPrune'
  | 'volumeList' | 'volumeCreate' | 'volumeInspect' | 'volumeDelete' | 'volumePrune'
  | 'swarm' | 'plugins' | 'systemDf' | 'distribution';

export interface Route {
  name: RouteName;
  /** The object reference from the path (container, image, network, volume or exec), decoded. */
  ref?: string;
}

const SEG = '([^/]+)';
const ANY = '(.+)';

const TABLE: ReadonlyArray<readonly [readonly Method[], RegExp, RouteName]> = [
  [['GET', 'HEAD'], /^\/_ping$/, 'ping'],
  [['GET'], /^\/version$/, 'version'],
  [['GET'], /^\/info$/, 'info'],
  [['GET'], /^\/events$/, 'events'],

  [['GET'], /^\/containers\/json$/, 'containerList'],
  [['POST'], /^\/containers\/create$/, 'containerCreate'],
  [['POST'], /^\/containers\/prune$/, 'containerPrune'],
  [['GET'], new RegExp(`^/containers/${ANY}/json$`), 'containerInspect'],
  [['GET'], new RegExp(`^/containers/${ANY}/top$`), 'containerTop'],
  [['GET'], new RegExp(`^/containers/${ANY}/logs$`), 'containerLogs'],
  [['GET'], new RegExp(`^/containers/${ANY}/changes$`), 'containerChanges'],
  [['GET'], new RegExp(`^/containers/${ANY}/stats$`), 'containerStats'],
  [['POST'], new RegExp(`^/containers/${ANY}/resize$`), 'containerResize'],
  [['POST'], new RegExp(`^/containers/${ANY}/start$`), 'containerStart'],
  [['POST'], new RegExp(`^/containers/${ANY}/stop$`), 'containerStop'],
  [['POST'], new RegExp(`^/containers/${ANY}/restart$`), 'containerRestart'],
  [['POST'], new RegExp(`^/containers/${ANY}/kill$`), 'containerKill'],
  [['POST'], new RegExp(`^/containers/${ANY}/pause$`), 'containerPause'],
  [['POST'], new RegExp(`^/containers/${ANY}/unpause$`), 'containerUnpause'],
  [['POST'], new RegExp(`^/containers/${ANY}/wait$`), 'containerWait'],
  [['POST'], new RegExp(`^/containers/${ANY}/rename$`), 'containerRename'],
  [['POST'], new RegExp(`^/containers/${ANY}/attach$`), 'containerAttach'],
  [['POST'], new RegExp(`^/containers/${ANY}/exec$`), 'containerExec'],
  [['DELETE'], new RegExp(`^/containers/${ANY}$`), 'containerDelete'],
  [['GET', 'HEAD', 'PUT'], new RegExp(`^/containers/${ANY}/archive$`), 'containerArchive'],
  [['GET'], new RegExp(`^/containers/${ANY}/export$`), 'containerExport'],
  [['POST'], new RegExp(`^/containers/${ANY}/update$`), 'containerUpdate'],
  [['POST'], /^\/commit$/, 'commit'],

  [['POST'], new RegExp(`^/exec/${SEG}/start$`), 'execStart'],
  [['POST'], new RegExp(`^/exec/${SEG}/resize$`), 'execResize'],
  [['GET'], new RegExp(`^/exec/${SEG}/json$`), 'execInspect'],

  [['GET'], /^\/images\/json$/, 'imageList'],
  [['POST'], /^\/images\/create$/, 'imageCreate'],
  [['POST'], /^\/images\/load$/, 'imageLoad'],
  [['GET'], /^\/images\/get$/, 'imageExport'],
  [['POST'], /^\/images\/prune$/, 'imagePrune'],
  [['GET'], /^\/images\/search$/, 'imageSearch'],
  [['GET'], new RegExp(`^/images/${ANY}/json$`), 'imageInspect'],
  [['GET'], new RegExp(`^/images/${ANY}/history$`), 'imageHistory'],
  [['GET'], new RegExp(`^/images/${ANY}/get$`), 'imageExport'],
  [['POST'], new RegExp(`^/images/${ANY}/tag$`), 'imageTag'],
  [['POST'], new RegExp(`^/images/${ANY}/push$`), 'imagePush'],
  [['DELETE'], new RegExp(`^/images/${ANY}$`), 'imageDelete'],
  [['POST'], /^\/build$/, 'build'],
  [['POST'], /^\/build\/(prune|cancel)$/, 'buildkit'],
  [['GET', 'POST'], /^\/(session|grpc)$/, 'buildkit'],

  [['GET'], /^\/networks$/, 'networkList'],
  [['POST'], /^\/networks\/create$/, 'networkCreate'],
  [['POST'], /^\/networks\/prune$/, 'networkPrune'],
  [['GET'], new RegExp(`^/networks/${ANY}$`), 'networkInspect'],
  [['DELETE'], new RegExp(`^/networks/${ANY}$`), 'networkDelete'],
  [['POST'], new RegExp(`^/networks/${ANY}/connect$`), 'networkConnect'],
  [['POST'], new RegExp(`^/networks/${ANY}/disconnect$`), 'networkDisconnect'],

  [['GET'], /^\/volumes$/, 'volumeList'],
  [['POST'], /^\/volumes\/create$/, 'volumeCreate'],
  [['POST'], /^\/volumes\/prune$/, 'volumePrune'],
  [['GET'], new RegExp(`^/volumes/${ANY}$`), 'volumeInspect'],
  [['DELETE'], new RegExp(`^/volumes/${ANY}$`), 'volumeDelete'],

  [['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], /^\/(swarm|nodes|services|tasks|secrets|configs)(\/.*)?$/, 'swarm'],
  [['GET', 'HEAD', 'POST', 'PUT', 'DELETE'], /^\/plugins(\/.*)?$/, 'plugins'],
  [['GET'], /^\/system\/df$/, 'systemDf'],
  [['GET'], /^\/distribution\/.+$/, 'distribution'],
];

export function matchRoute(method: Method, path: string): Route | undefined {
  for (const [methods, pattern, name] of TABLE) {
    if (!methods.includes(method)) continue;
    const match = pattern.exec(path);
    if (match) return match[1] !== undefined && !['buildkit', 'swarm', 'plugins'].includes(name) ? { name, ref: match[1] } : { name };
  }
  return undefined;
}
