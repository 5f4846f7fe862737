/**
 * What the terminal socket asks of the labs once a client said hello: attach it to the learner's
 * session for the lab on the ticket (started when there is none), and route what the page sends to the
 * session (keys, size, takeover) or to its check runner (Check button, typed answers).
 */
import { LabError } from '../errors.ts';
import type { SessionManager } from '../sessions/manager.ts';
import type { TerminalHandler } from '../ws/terminal-socket.ts';
import type { SessionAssembly } from './assembly.ts';
import type { LabCatalog } from './catalog.ts';

export function terminalHandler(options: { catalog: LabCatalog; sessions: SessionManager; assembly: SessionAssembly }): TerminalHandler {
  const { catalog, sessions, assembly } = options;
  return {
    async attach(ticket, hello, peer) {
      const lab = catalog.get(ticket.lab);
      if (!lab) throw new LabError('SANDBOX_FAILED', `There is no lab called "${ticket.lab}".`);
      const session = await sessions.attach({
        learner: ticket.learner, ip: ticket.ip, profile: lab.profile, size: { cols: hello.cols, rows: hello.rows }, resume: hello.resume,
      }, peer);
      return {
        input: (data) => void session.input(peer, data),
        resize: (cols, rows) => session.resize(peer, cols, rows),
        takeover: () => session.takeover(peer),
        request: (message) => {
          const checks = assembly.checks(session.id);
          if (!checks) return peer.control({ type: 'error', code: 'NOT_READY', message: 'This lab has no exercises to check.' });
          if (message.type === 'check') return void checks.request(message.exercise);
          if (!checks.answer(message.exercise, message.criterion, message.value)) {
            peer.control({ type: 'error', code: 'BAD_MESSAGE', message: 'That question does not exist in this lab.' });
          }
        },
        detach: () => session.detach(peer),
      };
    },
  };
}
