/**
 * The escape suite: an attacker who has read the authorization-plugin CVEs, in a lab terminal, against
 * a second session on the same engine. Every attempt must be refused with a teaching message (or answer
 * like a missing object), and leave the engine, the host and the other session exactly as they were.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueInstance } from '../helpers/docker.ts';
import { docker, engineSnapshot as snapshot, instanceLeftovers, removeInstance, sessionIdentity, startGateSession, type GateSession } from '../helpers/gate.ts';

const attackerInstance = uniqueInstance('gate-attacker');
const victimInstance = uniqueInstance('gate-victim');
let attacker: GateSession;
let victim: GateSession;
const v = { containerId: '', engineName: '', volume: '', sandboxId: '', execId: '' };

const SHARED_IMAGES = ['debian:trixie-slim', 'bulkhead/web:nginx-1.26', 'bulkhead/redis:redis-8.0', 'bulkhead/app:node-20.19'];
const PREFIXES = [sessionIdentity(attackerInstance, 'attacker', '').namePrefix, sessionIdentity(victimInstance, 'victim', '').namePrefix];
/** The attacker's own session may change only where a test says so; everything else must not change at all. */
const engineSnapshot = (_attacker: string) => snapshot([victimInstance], SHARED_IMAGES, PREFIXES.slice(1));

async function ownObjects(): Promise<string> {
  return snapshot([attackerInstance], [], PREFIXES.slice(0, 1));
}

/** Runs an attack in the attacker's terminal; it must fail, say `message`, and change nothing. */
async function refused(script: string, message: RegExp): Promise<string> {
  const engineBefore = await engineSnapshot(attackerInstance);
  const ownBefore = await ownObjects();
  const result = await attacker.sh(script, { timeoutMs: 60_000 });
  const output = `${result.stdout}${result.stderr}`;
  expect(output, script).toMatch(message);
  expect(await engineSnapshot(attackerInstance), `engine changed by: ${script}`).toBe(engineBefore);
  expect(await ownObjects(), `session changed by: ${script}`).toBe(ownBefore);
  return output;
}

/** A raw API call from inside the sandbox; prints the answer body and then `status=NNN`. */
function curl(method: string, path: string, body?: string, extra = ''): string {
  const data = body === undefined ? '' : `-H 'Content-Type: application/json' --data-binary '${body.replace(/'/g, "'\\''")}'`;
  return `curl -s --path-as-is -X ${method} ${data} ${extra} -w '\\nstatus=%{http_code}' --unix-socket /run/docker-gate/docker.sock 'http://docker${path}'`;
}

/**
 * Raw bytes to the gate's socket from inside the sandbox (the learner's side of the tunnel), for framing
 * tricks curl will not produce. Perl (in every Debian image) writes them and prints what comes back
 * until the gate closes the connection or 3 s pass.
 */
const RAW_CLIENT = 'use IO::Socket::UNIX; binmode STDIN; binmode STDOUT; local $/; my $d = <STDIN>; '
  + 'my $s = IO::Socket::UNIX->new(Peer => "/run/docker-gate/docker.sock") or die "connect: $!"; '
  + 'print $s $d; $SIG{ALRM} = sub { exit 0 }; alarm 3; my $b; while (sysread($s, $b, 65536)) { print $b } ';

async function raw(bytes: string): Promise<string> {
  const result = await attacker.sh(`perl -e '${RAW_CLIENT}'`, { stdin: bytes, timeoutMs: 15_000 });
  return result.stdout;
}

async function refusedRaw(bytes: string, status: RegExp, message: RegExp): Promise<void> {
  const engineBefore = await engineSnapshot(attackerInstance);
  const ownBefore = await ownObjects();
  const answer = await raw(bytes);
  expect(answer).toMatch(status);
  expect(answer).toMatch(message);
  expect(await engineSnapshot(attackerInstance)).toBe(engineBefore);
  expect(await ownObjects()).toBe(ownBefore);
}

const RUN = 'docker run --rm -u 1000';
const IMG = 'bulkhead/web:nginx-1.26';

describe('the escape suite', () => {
  beforeAll(async () => {
    victim = await startGateSession(victimInstance, 'victim');
    attacker = await startGateSession(attackerInstance, 'attacker', { maxContainers: 3, maxVolumes: 2, maxNetworks: 1 });
    await victim.sh('docker run -d --name web bulkhead/web:nginx-1.26 && docker volume create data');
    v.containerId = (await victim.sh('docker inspect web --format "{{.Id}}"')).stdout.trim();
    v.engineName = (await docker.getContainer(v.containerId).inspect()).Name.slice(1);
    v.volume = `${v.engineName.replace(/web$/, '')}data`;
    v.sandboxId = victim.sandboxId;
    v.execId = JSON.parse((await victim.sh(`${curl('POST', '/v1.41/containers/web/exec', '{"Cmd":["id"],"AttachStdout":true}')} | head -1`)).stdout).Id;
    await attacker.sh('docker run -d --name web bulkhead/web:nginx-1.26');
  }, 180_000);

  afterAll(async () => {
    await attacker?.stop();
    await victim?.stop();
    await removeInstance(attackerInstance);
    await removeInstance(victimInstance);
    expect(await instanceLeftovers(attackerInstance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
    expect(await instanceLeftovers(victimInstance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  afterAll(async () => {
    // The victim was never disturbed: its container still runs and its volume is there.
    const inspected = await docker.getContainer(v.containerId).inspect().catch(() => undefined);
    expect(inspected === undefined || inspected.State.Running).toBe(true);
  });

  describe('CLI flags', () => {
    it.each([
      ['--privileged', /privileged.*lesson "capabilities"/],
      ['-v /:/host', /host path.*lesson "daemon"/],
      ['-v /var/run/docker.sock:/var/run/docker.sock', /host path.*docker\.sock/],
      ['--mount type=bind,src=/etc,dst=/h', /bind mount.*lesson "daemon"/],
      ['--pid host', /--pid=host.*lesson "namespaces"/],
      ['--network host', /--network host.*lesson "namespaces"/],
      ['--ipc host', /--ipc=host/],
      ['--uts host', /--uts=host/],
      ['--userns host', /userns.*lesson "user-namespaces"/],
      ['--cap-add ALL', /cap-add ALL.*lesson "capabilities"/],
      ['--cap-add SYS_ADMIN', /cap-add SYS_ADMIN/],
      ['--security-opt seccomp=unconfined', /seccomp.*lesson "hardening"/],
      ['--security-opt apparmor=unconfined', /AppArmor/],
      ['--security-opt systempaths=unconfined', /MaskedPaths|system paths/],
      ['--security-opt label=disable', /SELinux/],
      ['--device /dev/sda', /host devices.*lesson "cgroups"/],
      ['--gpus all', /gpus/],
      ['--device-cgroup-rule "a *:* rwm"', /device-cgroup-rule/],
      ['--sysctl net.ipv4.ip_unprivileged_port_start=0', /sysctl.*lesson "namespaces"/],
      ['--cgroup-parent /', /cgroup-parent/],
      ['--runtime io.containerd.runtime.v1.linux', /runtime/],
      ['-p 8080:8080', /publishing ports.*http:\/\/web:8080/],
      ['-P', /publishing all ports|publishing ports/],
      ['--memory 8g', /--memory of 8192 MiB.*lesson "cgroups"/],
      ['--memory 64m --memory-swap -1', /memory-swap/],
      ['--pids-limit 100000', /pids-limit/],
      ['--cpus 4', /--cpus of 4 CPU/],
      ['--log-driver syslog --log-opt syslog-address=udp://10.0.0.1:514', /syslog log driver/],
      ['--dns 8.8.8.8', /CVE-2024-29018/],
      ['--add-host host.docker.internal:host-gateway', /add-host/],
      ['--ulimit memlock=-1:-1', /ulimit memlock/],
      ['--oom-kill-disable', /oom-kill-disable/],
      ['--label bulkhead.session=victim', /bulkhead\.session.*lesson "inspect"/],
      ['-w /proc/self/fd/8', /CVE-2024-21626/],
      ['--tmpfs /proc', /tmpfs over \/proc/],
    ])('docker run %s', async (flags, message) => {
      await refused(`${RUN} ${flags} ${IMG} true`, message);
    });

    it('refuses root in a container by default, named users, and exec as root or privileged', async () => {
      await refused('docker run --rm debian:trixie-slim id', /this image runs as root.*lesson "hardening"/);
      await refused('docker run --rm -u 0 debian:trixie-slim id', /root/);
      await refused('docker run --rm -u root:root debian:trixie-slim id', /root/);
      await refused(`docker run --rm -u www-data ${IMG} id`, /numeric uid/);
      await refused('docker exec -u 0 web id', /running as root \(docker exec\)/);
      await refused('docker exec --privileged web id', /exec --privileged/);
    });
  });

  describe('foreign objects', () => {
    it('answers for the other session\'s container, its engine name, and the sandbox as for missing ones', async () => {
      for (const ref of [() => v.containerId, () => v.containerId.slice(0, 12), () => v.engineName, () => v.sandboxId, () => attacker.sandboxId]) {
        await refused(`docker inspect ${ref()}`, /No such object/);
        await refused(`docker exec ${ref()} id`, /No such container/);
      }
      await refused(`docker logs ${v.containerId}`, /No such container/);
      await refused(`docker stop ${v.containerId}`, /No such container/);
      await refused(`docker kill ${v.engineName}`, /No such container/);
    });

    it('refuses joins, volumes-from and links to foreign containers', async () => {
      await refused(`${RUN} --network container:${v.containerId} ${IMG} true`, /No such container/);
      await refused(`${RUN} --pid container:${v.containerId} ${IMG} true`, /No such container/);
      await refused(`${RUN} --volumes-from ${v.containerId} ${IMG} true`, /No such container/);
      await refused(`${RUN} --volumes-from ${attacker.sandboxId} ${IMG} true`, /No such container/);
      await refused(`${RUN} --link ${v.engineName}:db ${IMG} true`, /No such container/);
    });

    it('does not reach the other session\'s volume or exec instances', async () => {
      // A name that spells the victim's engine-side volume is just a new name in the attacker's namespace.
      const mounted = await attacker.sh(`${RUN} -v ${v.volume}:/data ${IMG} ls -A /data; docker volume rm ${v.volume}`);
      expect(mounted.stdout).toBe(`${v.volume}\n`);
      expect((await docker.getVolume(v.volume).inspect()).Labels['bulkhead.session']).toBe('victim');
      await refused(`docker volume inspect ${v.volume}`, /no such volume/);
      await refused(curl('POST', `/v1.41/exec/${v.execId}/start`, '{"Detach":true}'), /No such exec instance[\s\S]*status=404/);
      await refused(curl('GET', `/v1.41/exec/${v.execId}/json`), /status=404/);
    });

    it('hides the other session from ps, events, info, network inspect and label filters', async () => {
      await refused('docker ps -a --format "{{.Names}}" | grep -v "^web$" | wc -l; docker ps -aq | wc -l', /^0\n1\n$/);
      await refused('docker ps --filter label=bulkhead.session=victim', /filtering on the label "bulkhead\.session=victim"/);
      await refused('docker info --format "{{.Containers}}"', /^1\n$/);
      await refused('docker network inspect bridge --format "{{len .Containers}}"', /^1\n$/);
      await refused(curl('GET', `/v1.41/containers/json?all=1&filters=${encodeURIComponent('{"label":["bulkhead.instance"]}')}`), /status=403/);
    });
  });

  describe('raw API requests', () => {
    const create = (body: object | string, path = '/v1.41/containers/create') => curl('POST', path, typeof body === 'string' ? body : JSON.stringify(body));

    it('refuses HostConfig fields at the top level (the old API shape), case variants and duplicates', async () => {
      await refused(create({ Image: IMG, User: '1000', Privileged: true, Binds: ['/:/host'] }), /unknown field \\"(Privileged|Binds)[\s\S]*status=400/);
      await refused(create({ Image: IMG, User: '1000', HostConfig: { privileged: true } }), /unknown field \\"privileged/);
      await refused(create(`{"Image":"${IMG}","User":"1000","HostConfig":{"Privileged":false,"Privileged":true}}`), /twice/);
      await refused(create(`{"Image":"${IMG}","User":"1000","HostConfig":{"\u017fecurityOpt":["seccomp=unconfined"]}}`), /unknown field/);
      await refused(create(`{"Image":"${IMG}","User":"1000"}{"HostConfig":{"Privileged":true}}`), /data after the JSON value/);
    });

    it('refuses emptied MaskedPaths and ReadonlyPaths, and bind-like mounts sent as JSON', async () => {
      await refused(create({ Image: IMG, User: '1000', HostConfig: { MaskedPaths: [], ReadonlyPaths: [] } }), /MaskedPaths|ReadonlyPaths/);
      await refused(create({ Image: IMG, User: '1000', HostConfig: { Mounts: [{ Type: 'volume', Source: 'x', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] } }), /driver options/);
      await refused(create({ Image: IMG, User: '1000', HostConfig: { Binds: ['x:/proc'] } }), /over \/proc/);
    });

    it('refuses legacy API versions, encoded and doubled paths, lower-case methods', async () => {
      await refused(create({ Image: IMG, HostConfig: { Privileged: true } }, '/v1.23/containers/create'), /too old[\s\S]*status=400/);
      await refused(create({ Image: IMG, User: '1000', HostConfig: { Privileged: true } }, '/v1.41/containers%2Fcreate'), /privileged[\s\S]*status=403/);
      await refused(create({ Image: IMG, User: '1000', HostConfig: { Privileged: true } }, '/v1.41//containers/create'), /not canonical[\s\S]*status=400/);
      await refused(create({ Image: IMG, User: '1000' }, '/v1.41/containers/./create'), /not canonical/);
      await refused(`${curl('post', '/v1.41/containers/create', `{"Image":"${IMG}","User":"1000"}`)}`, /status=40[05]/);
      await refused(curl('POST', '/v1.41/containers/web/start', '{"Privileged":true,"Binds":["/:/host"]}'), /takes no request body[\s\S]*status=400/);
    });

    it('refuses chunked JSON, duplicate and conflicting lengths, and a body behind Content-Length: 0 (CVE-2024-41110)', async () => {
      const body = JSON.stringify({ Image: IMG, User: '1000', HostConfig: { Privileged: true } });
      await refusedRaw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`, /^HTTP\/1\.1 400/, /Content-Length, not chunked/);
      await refusedRaw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: 0\r\n\r\n${body}`, /^HTTP\/1\.1 400/, /needs a JSON body|not valid HTTP/);
      await refusedRaw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nContent-Length: ${body.length}\r\n\r\n${body}`, /^HTTP\/1\.1 400/, /./);
      await refusedRaw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nTransfer-Encoding: chunked\r\n\r\n${body}`, /^HTTP\/1\.1 400/, /./);
      await refusedRaw(`POST /v1.41/containers/create HTTP/1.1\r\nHost: d\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`, /^HTTP\/1\.1 400/, /application\/json/);
    });

    it('places Compose secrets only as plain files under /run/secrets of a container not yet started', async () => {
      const put = (container: string, tar: string) => `curl -s -X PUT -H 'Content-Type: application/x-tar' --data-binary @${tar} -w '\\nstatus=%{http_code}' --unix-socket /run/docker-gate/docker.sock 'http://docker/v1.41/containers/${container}/archive?path=/'`;
      const make = [
        'rm -rf /tmp/t && mkdir -p /tmp/t/run/secrets /tmp/t/etc && echo s3cret > /tmp/t/run/secrets/token && echo evil > /tmp/t/etc/passwd',
        'ln -s /etc/shadow /tmp/t/run/secrets/link',
        'tar -C /tmp/t -cf /tmp/secret.tar run/secrets/token && tar -C /tmp/t -cf /tmp/passwd.tar etc/passwd && tar -C /tmp/t -cf /tmp/link.tar run/secrets/link',
      ].join(' && ');
      expect((await attacker.sh(`${make} && docker create --name fresh bulkhead/web:nginx-1.26 >/dev/null && echo ok`)).stdout).toMatch(/ok/);
      await refused(put('web', '/tmp/secret.tar'), /has started[\s\S]*status=403/);
      await refused(put('fresh', '/tmp/passwd.tar'), /only Compose secrets and configs[\s\S]*status=403/);
      await refused(put('fresh', '/tmp/link.tar'), /links in a copied archive[\s\S]*status=403/);
      await refused(curl('PUT', '/v1.41/containers/fresh/archive?path=/etc'), /docker cp into a container[\s\S]*status=403/);
      const placed = await attacker.sh(`${put('fresh', '/tmp/secret.tar')}; docker start fresh >/dev/null && docker exec fresh cat /run/secrets/token; docker rm -f fresh >/dev/null`);
      expect(placed.stdout).toMatch(/status=200[\s\S]*s3cret/);
    });

    it('refuses endpoints outside the allowlist', async () => {
      await refused(curl('POST', '/v1.41/swarm/init', '{}'), /swarm mode[\s\S]*status=403/);
      await refused(curl('POST', '/v1.41/plugins/pull?remote=evil/plugin', '[]'), /plugins[\s\S]*status=403/);
      await refused(curl('POST', '/v1.41/session'), /BuildKit[\s\S]*status=403/);
      await refused(curl('POST', '/v1.41/grpc'), /BuildKit[\s\S]*status=403/);
      await refused(curl('GET', '/v1.41/containers/web/archive?path=/'), /docker cp[\s\S]*status=403/);
      await refused(curl('POST', '/v1.41/containers/web/update', '{"Memory":0}'), /status=400|status=403/);
      await refused(curl('POST', '/v1.41/commit?container=web&repo=bulkhead/web&tag=nginx-1.26'), /docker commit[\s\S]*status=403/);
      await refused(curl('GET', '/v1.41/system/df'), /status=403/);
      await refused(curl('GET', '/v1.41/nonexistent'), /not available in the lab[\s\S]*status=403/);
    });
  });

  describe('images and builds', () => {
    it('refuses pulls, pushes, loads, imports and retagging shared images', async () => {
      await refused('docker pull alpine:3.20', /pulling alpine:3\.20.*lesson "images"/);
      await refused('docker push bulkhead/web:nginx-1.26', /docker push/);
      await refused('printf x | docker load', /docker load/);
      await refused('printf x | docker import - evil:1', /docker import/);
      await refused('docker tag debian:trixie-slim bulkhead/web:nginx-1.26', /reserved for the lab/);
      await refused('docker rmi debian:trixie-slim', /removing the shared image/);
      await refused('docker rmi -f bulkhead/web:nginx-1.26', /removing the shared image/);
      await refused('docker save bulkhead/web:nginx-1.26 -o /tmp/x.tar', /docker save/);
      await refused(curl('POST', '/v1.41/images/create?fromSrc=http://169.254.169.254/latest&repo=x'), /docker import[\s\S]*status=403/);
    });

    const build = (dockerfile: string, flags = '') =>
      `mkdir -p ~/b && cd ~/b && printf '${dockerfile.replace(/\n/g, '\\n')}' > Dockerfile && docker build ${flags} -t evil:1 .`;

    it.each([
      ['FROM alpine:3.20\n', '', /building FROM alpine:3\.20/],
      ['FROM debian:trixie-slim\nADD http://169.254.169.254/latest/meta-data/ /x\n', '', /ADD from a URL/],
      ['FROM debian:trixie-slim\nWORKDIR /proc/self/fd/8\nRUN true\n', '', /CVE-2024-21626/],
      ['FROM debian:trixie-slim\nRUN --mount=type=bind,source=/,target=/h true\n', '', /RUN --mount/],
      ['FROM debian:trixie-slim\nRUN true\n', '--network host', /build --network host/],
      ['FROM debian:trixie-slim\nRUN true\n', '--add-host evil:10.0.0.1', /add-host/],
      ['FROM debian:trixie-slim\nRUN true\n', '--cgroup-parent /', /cgroup-parent/],
      ['FROM debian:trixie-slim\nRUN true\n', '--ulimit nofile=1048576', /ulimit/],
      ['FROM debian:trixie-slim\nRUN true\n', '--memory 8g', /build --memory/],
      ['FROM debian:trixie-slim\nLABEL bulkhead.session=victim\n', '', /bulkhead/],
    ])('docker build of %j %s', async (dockerfile, flags, message) => {
      await refused(build(dockerfile, flags), message);
    });

    it('refuses remote contexts and BuildKit', async () => {
      await refused(curl('POST', '/v1.41/build?version=2&t=x', ''), /BuildKit[\s\S]*status=403/);
      await refused(curl('POST', '/v1.41/build?remote=https://github.com/moby/moby.git'), /remote build context[\s\S]*status=403/);
    });
  });

  describe('networks, volumes and quotas', () => {
    it('refuses bind-like volumes, host-attached network drivers and overlapping subnets', async () => {
      await refused('docker volume create --opt type=none --opt o=bind --opt device=/ hostroot', /driver options/);
      await refused('docker volume create -d evil/plugin v', /volume driver/);
      await refused('docker network create -d macvlan -o parent=eth0 lan', /macvlan/);
      await refused('docker network create --subnet 10.0.0.0/8 wide', /--subnet/);
      await refused('docker network create -o com.docker.network.bridge.name=docker0 br', /driver options/);
      await refused('docker network rm bridge', /removing the lab's network/);
      await refused(`docker network connect bridge ${v.containerId}`, /No such container/);
    });

    it('stops at the container, volume and network quotas', async () => {
      expect((await attacker.sh('docker create --name q1 bulkhead/web:nginx-1.26 && docker create --name q2 bulkhead/web:nginx-1.26')).exitCode).toBe(0);
      await refused('docker create --name q3 bulkhead/web:nginx-1.26', /at most 3 containers[\s\S]*lesson "cgroups"/);
      expect((await attacker.sh('docker rm q1 q2 && docker volume create v1 && docker volume create v2')).exitCode).toBe(0);
      await refused('docker volume create v3', /at most 2 volumes/);
      await refused('docker run --rm -u 1000 -v v4:/data bulkhead/web:nginx-1.26 true', /at most 2 volumes/);
      expect((await attacker.sh('docker volume rm v1 v2 && docker network create n1')).exitCode).toBe(0);
      await refused('docker network create n2', /at most 1 networks/);
      expect((await attacker.sh('docker network rm n1')).exitCode).toBe(0);
    });

    it('keeps names prefixed: a name that spells another session\'s engine name stays the attacker\'s own', async () => {
      const result = await attacker.sh(`docker run -d --name ${v.engineName} -u 1000 debian:trixie-slim sleep 30 && docker rm -f ${v.engineName}`);
      expect(result.exitCode).toBe(0);
      expect((await docker.getContainer(v.containerId).inspect()).State.Running).toBe(true);
    });
  });
});
