/**
 * check_ms: from the learner's command finishing (the shell's prompt marker reaching the client) to the
 * check result reaching the client, over the real WebSocket path. Uses the fixture lab `demo`.
 */
import { PROMPT_MARKER } from '../lab-server/sessions/session.ts';
import { startTestServer } from '../test/helpers/lab-server.ts';
import { TerminalClient } from '../test/helpers/terminal-client.ts';
import { percentile } from './lib/stats.ts';

export async function measureChecks(samples = 30): Promise<{ check_ms_p50: number; check_ms_p95: number; samples: number }> {
  const s = await startTestServer('bench-checks');
  try {
    const client = await TerminalClient.connect({ base: s.base, lab: 'demo' });
    await client.prompt();
    const marker = PROMPT_MARKER.toString('latin1');
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      const seenChecks = client.controls.filter((m) => m.type === 'checks').length;
      const seenBytes = client.bytes().length;
      client.type(`echo ${i % 2 ? 'bulkhead' : 'other'} > ~/note.txt\r`);
      await client.until(() => client.bytes().subarray(seenBytes).toString('latin1').includes(marker), 'prompt marker');
      const finished = performance.now();
      await client.until(() => client.controls.filter((m) => m.type === 'checks').length > seenChecks, 'check result');
      times.push(performance.now() - finished);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await client.close();
    return { check_ms_p50: Math.round(percentile(times, 50)), check_ms_p95: Math.round(percentile(times, 95)), samples };
  } finally {
    await s.server.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await measureChecks()));
