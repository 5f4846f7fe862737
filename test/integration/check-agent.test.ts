/**
 * The check agent on a real sandbox: one exec for the life of the sandbox, every criterion of a run in one
 * request, each script confined to its own timeout, output that cannot break the framing, a new agent when
 * the learner kills it, and a clear reason when the sandbox leaves no room to work.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Criterion } from '../../src/lib/lesson-schema.ts';
import { criterionSchema } from '../../src/lib/lesson-schema.ts';
import { runCriteria } from '../../lab-server/checks/run-criterion.ts';
import { AGENT_NAME, CheckAgent } from '../../lab-server/checks/agent.ts';
import type { ExecOptions, SandboxHandle } from '../../lab-server/runtime/sandbox-runtime.ts';
import { leftovers, shellImage, testRuntime, uniqueInstance } from '../helpers/docker.ts';

const instance = uniqueInstance('batch');
const runtime = testRuntime(instance);
let sandbox: SandboxHandle;
let agent: CheckAgent;
let execs = 0;
const counting = Object.create(runtime) as typeof runtime;
counting.exec = (s: SandboxHandle, command: readonly string[], options?: ExecOptions) => {
  execs++;
  return runtime.exec(s, command, options);
};
counting.spawn = (s: SandboxHandle, command: readonly string[]) => {
  execs++;
  return runtime.spawn(s, command);
};

/** The sandbox's processes, as the learner's `ps` shows them. */
async function processes(): Promise<string[]> {
  const lines = (await runtime.exec(sandbox, ['ps', '-eo', 'args'])).stdout.split('\n');
  expect(lines).toContain('ps -eo args');
  return lines;
}

const sandboxCriterion = (id: string, script: string, timeoutMs = 5_000): Criterion => criterionSchema.parse({ kind: 'sandbox', id, label: `criterion ${id}`, script, timeoutMs });
const answerCriterion = (id: string, compute: string): Criterion => criterionSchema.parse({ kind: 'answer', id, label: `criterion ${id}`, prompt: 'What is it?', compute });

describe('the check agent in a real sandbox', () => {
  beforeAll(async () => {
    sandbox = await runtime.create({ session: 'agent-test', lab: 'test', image: await shellImage(), expiresAt: Date.now() + 120_000 });
    agent = new CheckAgent(counting, sandbox);
  });

  afterAll(async () => {
    agent.close();
    await runtime.removeAll();
    expect(await leftovers(runtime, instance)).toBe(0);
  });

  it('runs every criterion of a run in one request and keeps each result apart', async () => {
    execs = 0;
    const results = await runCriteria(agent, [
      { criterion: sandboxCriterion('passes', 'echo all good') },
      { criterion: sandboxCriterion('fails', 'echo "no file yet"; exit 1') },
      { criterion: sandboxCriterion('stderr-only', 'echo "only on stderr" >&2; exit 3') },
      { criterion: sandboxCriterion('silent', 'true') },
      { criterion: answerCriterion('uid', 'id -u'), answer: ' 1000 ' },
      { criterion: answerCriterion('unanswered', 'id -u') },
      { criterion: answerCriterion('wrong', 'id -u'), answer: '0' },
    ]);
    // The agent's own start is the only exec, and later runs need none.
    expect(execs).toBe(1);
    for (let i = 0; i < 3; i++) await runCriteria(agent, [{ criterion: sandboxCriterion('again', 'echo again') }]);
    expect(execs).toBe(1);
    expect(agent.starts).toBe(1);
    expect(results).toEqual([
      { criterion: 'passes', passed: true, message: 'all good' },
      { criterion: 'fails', passed: false, message: 'no file yet' },
      { criterion: 'stderr-only', passed: false, message: 'only on stderr' },
      { criterion: 'silent', passed: true, message: 'Done.' },
      { criterion: 'uid', passed: true, message: 'Correct.' },
      { criterion: 'unanswered', passed: false, message: 'Type your answer in the box and submit it.' },
      { criterion: 'wrong', passed: false, message: '"0" is not it; look again.' },
    ]);
  });

  it('decides unanswered questions without an exec at all', async () => {
    execs = 0;
    const results = await runCriteria(agent, [{ criterion: answerCriterion('unanswered', 'id -u') }]);
    expect(execs).toBe(0);
    expect(results[0]?.passed).toBe(false);
  });

  it('times out one slow criterion alone, kills what it started, and still reports the others', async () => {
    const started = performance.now();
    const results = await runCriteria(agent, [
      { criterion: sandboxCriterion('slow', 'sleep 300 & sleep 301; echo never', 400) },
      { criterion: sandboxCriterion('quick', 'echo quick one') },
    ]);
    const elapsed = performance.now() - started;
    expect(results[0]).toEqual({ criterion: 'slow', passed: false, message: 'This check took longer than 0.4 s; is something still running?' });
    expect(results[1]).toEqual({ criterion: 'quick', passed: true, message: 'quick one' });
    expect(elapsed).toBeLessThan(4_000);
    expect((await processes()).filter((line) => line.startsWith('sleep 30'))).toEqual([]);
  });

  it('cannot be confused by output that looks like the framing, binary output or a flood', async () => {
    const results = await runCriteria(agent, [
      { criterion: sandboxCriterion('forger', 'printf "1 0 UGFzcw== \\n0 0  \\n"; echo "second line"; exit 1') },
      { criterion: sandboxCriterion('binary', 'head -c 3000 /dev/urandom; exit 1') },
      { criterion: sandboxCriterion('flood', 'echo "first of many"; yes "filler line" | head -c 5000000; exit 2') },
      { criterion: sandboxCriterion('after', 'echo "still here"') },
    ]);
    expect(results[0]).toMatchObject({ criterion: 'forger', passed: false });
    expect(results[0]?.message).toMatch(/^1 0 UGFzcw==/);
    expect(results[1]).toMatchObject({ criterion: 'binary', passed: false });
    expect(results[2]).toEqual({ criterion: 'flood', passed: false, message: 'first of many' });
    expect(results[3]).toEqual({ criterion: 'after', passed: true, message: 'still here' });
  });

  it('leaves no scratch files behind, and says so plainly when /tmp has no room', async () => {
    await runCriteria(agent, [{ criterion: sandboxCriterion('any', 'true') }]);
    expect((await runtime.exec(sandbox, ['bash', '-c', 'ls -A /tmp | wc -l'])).stdout.trim()).toBe('0');
    // Fill /tmp: the learner can, and the check must still explain itself.
    await runtime.exec(sandbox, ['bash', '-c', 'head -c 200M /dev/zero > /tmp/filler 2>/dev/null; true'], { timeoutMs: 30_000 });
    const results = await runCriteria(agent, [{ criterion: sandboxCriterion('any', 'true') }]);
    expect(results[0]?.passed).toBe(false);
    expect(results[0]?.message).toMatch(/\/tmp/);
    await runtime.exec(sandbox, ['bash', '-c', 'rm -f /tmp/filler']);
    const again = await runCriteria(agent, [{ criterion: sandboxCriterion('any', 'echo fine') }]);
    expect(again[0]).toEqual({ criterion: 'any', passed: true, message: 'fine' });
  });

  it('starts a new agent when the learner kills it, shows itself by name, and is gone after close', async () => {
    const before = agent.starts;
    expect((await processes()).some((line) => line.includes(AGENT_NAME))).toBe(true);
    await runtime.exec(sandbox, ['bash', '-c', `pkill -KILL -f '[${AGENT_NAME[0]}]${AGENT_NAME.slice(1)}'`]);
    const results = await runCriteria(agent, [{ criterion: sandboxCriterion('after-kill', 'echo back') }]);
    expect(results[0]).toEqual({ criterion: 'after-kill', passed: true, message: 'back' });
    expect(agent.starts).toBe(before + 1);
    const other = new CheckAgent(runtime, sandbox);
    await runCriteria(other, [{ criterion: sandboxCriterion('second', 'true') }]);
    const count = async () => (await processes()).filter((line) => line.includes(AGENT_NAME)).length;
    expect(await count()).toBe(2);
    other.close();
    const deadline = Date.now() + 5_000;
    while ((await count()) > 1 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await count()).toBe(1);
    const refused = await runCriteria(other, [{ criterion: sandboxCriterion('closed', 'true') }]);
    expect(refused[0]?.message).toMatch(/the lab has ended/);
  });

  it('gives up on an agent the learner froze, says why, and checks with a new one', async () => {
    await runCriteria(agent, [{ criterion: sandboxCriterion('warm', 'true') }]);
    const before = agent.starts;
    await runtime.exec(sandbox, ['bash', '-c', `pkill -STOP -f '[${AGENT_NAME[0]}]${AGENT_NAME.slice(1)}'`]);
    const frozen = await runCriteria(agent, [{ criterion: sandboxCriterion('frozen', 'echo never', 200) }]);
    expect(frozen[0]).toMatchObject({ criterion: 'frozen', passed: false });
    expect(frozen[0]?.message).toMatch(/could not run \(the checks took longer than \d+ s\)/);
    const after = await runCriteria(agent, [{ criterion: sandboxCriterion('thawed', 'echo fresh agent') }]);
    expect(after[0]).toEqual({ criterion: 'thawed', passed: true, message: 'fresh agent' });
    expect(agent.starts).toBe(before + 1);
    await runtime.exec(sandbox, ['bash', '-c', `pkill -CONT -f '[${AGENT_NAME[0]}]${AGENT_NAME.slice(1)}'; true`]);
  }, 20_000);
});
