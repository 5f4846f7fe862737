/**
 * What the terminal socket asks of the labs once a client said hello: attach it to the learner's
 * session for the lab on the ticket, or, when there is none, ask admission and start one; then route what the page sends to the
 * session (keys, size, takeover) or to its check runner (Check button, typed answers).
 */
import { LabError } from '../errors.ts';
import type { SessionAssembly } from '../sessions/assembly.ts';
import type { SessionManager } from '../sessions/manager.ts';
import type { TerminalHandler } from '../ws/terminal-socket.ts';
import type { Admission } from './admission.ts';
import type { LabCatalog } from './catalog.ts';

export function terminalHandler(options: { catalog: LabCatalog; admission: Admission; sessions: SessionManager; assembly: SessionAssembly }): TerminalHandler {
  const { catalog, admission, sessions, assembly } = options;
  return {
    async attach(ticket, hello, peer) {
      const lab = catalog.get(ticket.lab);
      if (!lab) throw new LabError('SANDBOX_FAILED', `There is no lab called "${ticket.lab}".`);
      // Nothing may run between admission's answer and the attach below, which registers the new session
      // before its first await: so two tabs starting at once cannot both slip under a cap.
      if (!sessions.find(ticket.learner, lab.slug)) await admission.decide({ learner: ticket.learner, lab: lab.slug, ip: ticket.ip }, 'start');
      const session = await sessions.attach({
        learner: ticket.learner, ip: ticket.ip, lab: lab.session, size: { cols: hello.cols, rows: hello.rows }, resume: hello.resume,
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
