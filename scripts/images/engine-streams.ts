/** The Engine as `npm run images` sees it: is it there, does an image exist, what does a streamed answer say. */
import { EngineError } from '../../lab-server/errors.ts';
import type { Engine } from '../../lab-server/engine/client.ts';
import { ImagesError } from './report.ts';

const PING_TIMEOUT_MS = 5_000;

export async function checkEngine(engine: Engine): Promise<void> {
  try {
    await engine.ping(PING_TIMEOUT_MS);
  } catch (error) {
    const cause = error instanceof EngineError && error.cause instanceof Error ? error.cause : error;
    const why = (cause as NodeJS.ErrnoException).code ?? `no answer within ${PING_TIMEOUT_MS / 1000} s`;
    throw new ImagesError('ENGINE_UNAVAILABLE', `The Docker Engine at ${engine.where} does not answer (${why}): start Docker (for example \`sudo systemctl start docker\`) or set DOCKER_HOST to a running engine, then run \`npm run images\` again.`, { cause: error });
  }
}

export interface DockerEvent {
  stream?: string;
  status?: string;
  error?: string;
  aux?: { ID?: string };
}

/** The Engine answers builds, pulls and imports with newline-delimited JSON; chunks may split a line. */
export async function* dockerEvents(stream: NodeJS.ReadableStream): AsyncGenerator<DockerEvent> {
  let pending = '';
  for await (const chunk of stream) {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim()) yield JSON.parse(line) as DockerEvent;
  }
  if (pending.trim()) yield JSON.parse(pending) as DockerEvent;
}

export async function imageExists(engine: Engine, ref: string): Promise<boolean> {
  return (await engine.run(`inspect image ${ref}`, (docker) => docker.getImage(ref).inspect(), [404])) !== undefined;
}
