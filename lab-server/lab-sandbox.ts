/**
 * A sandbox for one lab exactly as a learner gets it, outside a session: for `npm run sandbox`,
 * `npm run verify-labs` and tests. Same image, limits, network and (for Docker labs) gate.
 */
import type { Config } from './config.ts';
import { LabError } from './errors.ts';
import { sandboxProfile } from './labs/catalog.ts';
import type { LoadedLesson } from './lessons.ts';
import type { SandboxHandle, SandboxRuntime } from './runtime/sandbox-runtime.ts';
import { createSandbox, newSessionId } from './runtime/warm-pool.ts';
import { removeGateLeftovers, startGate, type LabGate } from './lab-gate.ts';

const STANDALONE_TTL_MS = 60 * 60_000;

export interface LabSandbox {
  handle: SandboxHandle;
  session: string;
  close(): Promise<void>;
}

export async function openLabSandbox(options: {
  runtime: SandboxRuntime; config: Config; instance: string; lesson: LoadedLesson; image: string;
}): Promise<LabSandbox> {
  const { runtime, lesson } = options;
  const session = newSessionId();
  const lab = lesson.lab;
  if (!lab) throw new LabError('USAGE', `The lesson "${lesson.slug}" has no lab.`);
  const expiresAt = Date.now() + STANDALONE_TTL_MS;
  const profile = sandboxProfile(lesson.slug, lab, options.image);
  const sandbox = await createSandbox(runtime, profile, session, expiresAt);
  const close = async () => {
    await sandbox.tunnel?.close();
    await gate?.close();
    if (lab.docker) await removeGateLeftovers(options.config, options.instance, session);
    await runtime.removeSession(session);
  };
  let gate: LabGate | undefined;
  try {
    if (lab.docker && sandbox.network) gate = await startGate({ config: options.config, instance: options.instance, session, network: sandbox.network, lab, labId: lesson.slug, expiresAt, runtime, sandbox: sandbox.handle, ...(sandbox.tunnel ? { tunnel: sandbox.tunnel } : {}) });
  } catch (error) {
    await close();
    throw error;
  }
  return { handle: sandbox.handle, session, close };
}
