/** A Compose project (app + redis, a network, a volume) through the gate: up, ps, logs -f, down -v. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueInstance } from '../helpers/docker.ts';
import { docker, instanceLeftovers, removeInstance, startGateSession, type GateSession } from '../helpers/gate.ts';

const instance = uniqueInstance('gate-compose');
let s: GateSession;

const COMPOSE = `services:
  app:
    image: bulkhead/app:node-20.19
    environment:
      REDIS_HOST: redis
    depends_on: [redis]
    networks: [backend]
  redis:
    image: bulkhead/redis:redis-8.0
    volumes: [redisdata:/data]
    networks: [backend]
networks:
  backend: {}
volumes:
  redisdata: {}
`;

const ok = async (script: string) => {
  const result = await s.sh(`cd ~/shop && ${script}`, { timeoutMs: 90_000 });
  expect(result.exitCode, `${script}\n${result.stdout}\n${result.stderr}`).toBe(0);
  return result;
};

describe('docker compose through the gate', () => {
  beforeAll(async () => {
    s = await startGateSession(instance, 'learner');
    await s.sh(`mkdir -p ~/shop && cat > ~/shop/compose.yaml <<'YAML'\n${COMPOSE}YAML`);
  });

  afterAll(async () => {
    await s?.stop();
    await removeInstance(instance);
    expect(await instanceLeftovers(instance)).toEqual({ containers: 0, networks: 0, volumes: 0 });
  });

  it('brings the project up with its network and volume', async () => {
    const up = await ok('docker compose up -d');
    expect(up.stderr).toMatch(/Container shop-app-1\s+Started/);
    const ps = await ok('docker compose ps --format "{{.Service}} {{.State}}"');
    expect(ps.stdout.split('\n').filter(Boolean).sort()).toEqual(['app running', 'redis running']);
    expect((await ok('docker network ls --format "{{.Name}}"')).stdout).toMatch(/shop_backend/);
    expect((await ok('docker volume ls --format "{{.Name}}"')).stdout).toBe('shop_redisdata\n');
  });

  it('serves the app, backed by redis, on the project network', async () => {
    const curl = 'for i in $(seq 30); do curl -sf http://app:3000/ && exit 0; sleep 0.5; done; exit 1';
    const first = await ok(`docker run --rm -u 1000 --network shop_backend bulkhead/shell:docker-26.1 sh -c '${curl}'`);
    expect(first.stdout).toMatch(/viewed 1 time/);
    const second = await ok(`docker run --rm -u 1000 --network shop_backend bulkhead/shell:docker-26.1 sh -c '${curl}'`);
    expect(second.stdout).toMatch(/viewed 2 times/);
  });

  it('follows the project\'s logs', async () => {
    const logs = await s.sh('cd ~/shop && timeout 3 docker compose logs -f --no-color; echo "exit=$?"', { timeoutMs: 30_000 });
    expect(logs.stdout).toMatch(/app-1\s+\| .*listening on :3000/);
    expect(logs.stdout).toMatch(/redis-1\s+\| .*Ready to accept connections/);
    expect(logs.stdout).toMatch(/exit=124/);
  });

  it('takes everything down with down -v', async () => {
    await ok('docker compose down -v');
    expect((await ok('docker ps -aq; docker network ls --format "{{.Name}}"; docker volume ls -q')).stdout).toBe('bridge\n');
    const learner = await docker.listContainers({ all: true, filters: { label: [`bulkhead.instance=${instance}`, 'bulkhead.role=learner'] } });
    expect(learner).toEqual([]);
  });
});
