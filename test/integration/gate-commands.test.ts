/**
 * Every docker command the lessons use, through the real CLI inside a sandbox, against the real engine,
 * through the gate.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueInstance } from '../helpers/docker.ts';
import { docker, instanceLeftovers, removeInstance, startGateSession, type GateSession } from '../helpers/gate.ts';

const instance = uniqueInstance('gate-cmd');
let s: GateSession;

const ok = async (script: string, options?: { timeoutMs?: number }) => {
  const result = await s.sh(script, options);
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result.stdout;
};

describe('docker commands through the gate', () => {
  beforeAll(async () => {
    s = await startGateSession(instance, 'learner');
  });

  afterAll(async () => {
    await s?.stop();
    await removeInstance(instance);
    expect(await instanceLeftovers(instance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('answers docker version and a docker info that shows only the session', async () => {
    expect(await ok('docker version --format "{{.Server.APIVersion}}"')).toMatch(/^1\.\d+/);
    const info = JSON.parse(await ok('docker info --format "{{json .}}"')) as Record<string, unknown>;
    expect(info).toMatchObject({ Containers: 0, Name: 'bulkhead-lab', HttpProxy: '', ID: '' });
    expect(String(info.CgroupVersion)).toMatch(/^[12]$/);
  });

  it('runs attached, with --rm, with stdin, and shows the lesson image\'s non-root user', async () => {
    expect(await ok('docker run --rm bulkhead/web:nginx-1.26 id -u')).toBe('33\n');
    expect(await ok('echo hello | docker run -i --rm -u 1000 debian:trixie-slim cat')).toBe('hello\n');
    const failed = await s.sh('docker run --rm -u 1000 debian:trixie-slim sh -c "exit 3"');
    expect(failed.exitCode).toBe(3);
  });

  it('runs -it with a TTY and exec -it into a running container', async () => {
    const run = await s.tty('docker run -it --rm -u 1000 debian:trixie-slim sh', 'echo "tty=$(tty)"; exit\n');
    expect(run.stdout).toMatch(/tty=\/dev\/pts\/\d+/);
    await ok('docker run -d --name web bulkhead/web:nginx-1.26');
    const exec = await s.tty('docker exec -it web sh', 'echo "whoami=$(id -u)"; exit\n');
    expect(exec.stdout).toMatch(/whoami=33/);
  });

  it('serves the container by its learner name on the session network and shows that name everywhere', async () => {
    expect(await ok('for i in $(seq 20); do curl -sf http://web:8080/ && break; sleep 0.5; done')).toMatch(/<html/i);
    expect(await ok('docker ps --format "{{.Names}} {{.Image}}"')).toBe('web bulkhead/web:nginx-1.26\n');
    expect(await ok('docker ps -a --filter name=^web$ --format "{{.Names}}"')).toBe('web\n');
    expect(await ok('docker inspect web --format "{{.Name}} {{.HostConfig.NetworkMode}} {{index .Config.Labels \\"bulkhead.session\\"}}"')).toBe('/web bridge \n');
    const engineName = (await docker.getContainer((await docker.listContainers({ filters: { label: [`bulkhead.instance=${instance}`, 'bulkhead.role=learner'] } }))[0]!.Id).inspect()).Name;
    expect(engineName).toMatch(/^\/bh-[0-9a-f]{10}-web$/);
  });

  it('inspects every type, with -s and --format', async () => {
    expect(await ok('docker inspect --type container -s web --format "{{.SizeRootFs}}"')).toMatch(/^\d+\n$/);
    expect(await ok('docker inspect --type image bulkhead/web:nginx-1.26 --format "{{.Config.User}}"')).toBe('33:33\n');
    expect(await ok('docker inspect web bulkhead/web:nginx-1.26 --format "{{.Id}}" | wc -l')).toBe('2\n');
    expect(await ok('docker inspect --type network bridge --format "{{.Name}} {{.Internal}}"')).toBe('bridge true\n');
    await ok('docker volume create notes');
    expect(await ok('docker inspect --type volume notes --format "{{.Name}} {{.Driver}}"')).toBe('notes local\n');
    expect((await s.sh('docker inspect nothing-here')).stderr).toMatch(/No such object: nothing-here/);
  });

  it('follows logs, shows top and stats, and streams the session\'s events', async () => {
    await ok('docker run -d --name ticker -u 1000 debian:trixie-slim sh -c \'i=0; while true; do i=$((i+1)); echo tick $i; sleep 0.2; done\'');
    const follow = await s.sh('timeout 2 docker logs -f ticker; echo "exit=$?"');
    expect(follow.stdout).toMatch(/tick 1\n[\s\S]*tick 3\n/);
    expect(follow.stdout).toMatch(/exit=124/);
    expect(await ok('docker logs --tail 1 web 2>&1 | wc -l')).toMatch(/^[01]\n$/);
    expect(await ok('docker top ticker')).toMatch(/sleep|sh -c/);
    expect(await ok('docker stats --no-stream --format "{{.Name}} {{.MemUsage}}"')).toMatch(/ticker .*\/ 256MiB/);
    const events = await s.sh('(sleep 1; docker stop -t 0 ticker >/dev/null) & timeout 4 docker events --filter container=ticker --format "{{.Action}} {{.Actor.Attributes.name}}"; wait');
    expect(events.stdout).toMatch(/die ticker/);
    expect(events.stdout).not.toMatch(/bh-/);
    await ok('docker rm ticker');
  });

  it('applies the lessons\' hardening flags and the lab\'s caps', async () => {
    await ok('docker run -d --name hard --cap-drop ALL --cap-add NET_BIND_SERVICE --read-only --tmpfs /tmp --memory 64m --pids-limit 50 --security-opt no-new-privileges -u 1000 bulkhead/web:nginx-1.26 sleep 60');
    const hc = JSON.parse(await ok('docker inspect hard --format "{{json .HostConfig}}"')) as Record<string, unknown>;
    expect(hc).toMatchObject({ CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'], ReadonlyRootfs: true, Memory: 64 * 1024 * 1024, MemorySwap: 64 * 1024 * 1024, PidsLimit: 50, SecurityOpt: ['no-new-privileges:true'] });
    expect(hc.Tmpfs).toEqual({ '/tmp': `nosuid,nodev,size=${64 * 1024 * 1024}` });
    expect(await ok('docker exec hard sh -c "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max"')).toBe('50\n');
    const plain = JSON.parse(await ok('docker run --rm -u 1000 debian:trixie-slim true && docker create --name plain bulkhead/web:nginx-1.26 >/dev/null && docker inspect plain --format "{{json .HostConfig}}"')) as Record<string, unknown>;
    expect(plain).toMatchObject({ Memory: 256 * 1024 * 1024, PidsLimit: 128, NanoCpus: 500_000_000, Privileged: false });
    await ok('docker rm -f hard plain');
  });

  it('stops, restarts, removes, and creates and removes networks and volumes', async () => {
    await ok('docker stop -t 1 web && docker start web && docker restart -t 1 web');
    expect(await ok('docker network create --internal backend')).toMatch(/^[0-9a-f]{64}\n$/);
    expect(await ok('docker network ls --format "{{.Name}}" | sort')).toBe('backend\nbridge\n');
    await ok('docker network connect backend web && docker network disconnect backend web && docker network rm backend');
    expect(await ok('docker volume ls --format "{{.Name}}"')).toBe('notes\n');
    await ok('docker run --rm -u 1000 -v notes:/data debian:trixie-slim sh -c "test -d /data"');
    await ok('docker volume rm notes && docker rm -f web');
    expect(await ok('docker ps -aq | wc -l')).toBe('0\n');
  });

  it('builds a multi-stage Dockerfile offline into the session\'s namespace and runs it', async () => {
    const script = [
      'mkdir -p ~/site && cd ~/site',
      'printf "<h1>hi</h1>\\n" > index.html',
      'printf "FROM debian:trixie-slim AS build\\nWORKDIR /src\\nCOPY index.html .\\nRUN echo built >> index.html\\n\\nFROM debian:trixie-slim\\nCOPY --from=build /src/index.html /srv/index.html\\nUSER 1000\\nCMD [\\"cat\\", \\"/srv/index.html\\"]\\n" > Dockerfile',
      'docker build -q -t mysite:1.0 . >/dev/null',
      'docker run --rm mysite:1.0',
    ].join(' && ');
    expect(await ok(script, { timeoutMs: 120_000 })).toBe('<h1>hi</h1>\nbuilt\n');
    expect(await ok('docker images --format "{{.Repository}}:{{.Tag}}" mysite')).toBe('mysite:1.0\n');
    const tags = (await docker.listImages()).flatMap((i) => i.RepoTags ?? []).filter((t) => t.endsWith('/mysite:1.0'));
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatch(/^bh-[0-9a-f]{10}\/mysite:1\.0$/);
    // Created from the checked image id, shown by the learner's reference.
    expect(await ok('docker create --name site mysite:1.0 >/dev/null && docker ps -a --filter name=site --format "{{.Image}}" && docker inspect site --format "{{.Config.Image}}"')).toBe('mysite:1.0\nmysite:1.0\n');
    await ok('docker rm site && docker rmi mysite:1.0');
  });
});
