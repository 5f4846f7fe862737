/**
 * Instructor-run workshops: the service over the store, its HTTP API, the board and shadow WebSockets,
 * the clock (pre-warming, end time), and the admission rule that holds a workshop's learners back
 * outside its time window. See docs/workshops.md.
 */
import { LabError } from '../errors.ts';
import type { Router } from '../http/router.ts';
import type { Admission, AdmissionRule } from '../labs/admission.ts';
import type { Learners } from './learners.ts';
import { workshopRoutes } from './routes.ts';
import { organizerKey } from './secrets.ts';
import { Workshops, type WorkshopDeps, type WorkshopOptions } from './service.ts';
import { BOARD_PATH, SHADOW_PATH, WorkshopSockets } from './sockets.ts';
import { InstructorTickets } from './tickets.ts';

export interface AttachOptions extends Partial<Omit<WorkshopOptions, 'organizerKey'>> {
  /** Origins allowed besides the server's own (the ALLOWED_ORIGINS setting). */
  allowedOrigins: readonly string[];
  /** DATA_DIR: the organizer key file lives here, beside the database. */
  dataDir: string;
  /** Overrides the key file (tests). */
  organizerKey?: string;
}

export interface WorkshopsFeature {
  service: Workshops;
  close(): Promise<void>;
}

/**
 * The workshop's say in admission: a learner of a workshop that has not started or has ended opens no lab
 * (with the sentence why), and a room shares one address behind its NAT, so seated learners of a running
 * workshop are counted by the workshop's seats, not by the per-address cap.
 */
export function workshopAdmissionRule(learners: Pick<Learners, 'admission' | 'inRunningWorkshop'>): AdmissionRule {
  return {
    refuse: ({ learner }) => {
      const refusal = learners.admission(learner);
      return refusal === undefined ? undefined : new LabError('NOT_ADMITTED', refusal);
    },
    sharesAddress: (learner) => learners.inRunningWorkshop(learner),
  };
}

export function attachWorkshops(deps: WorkshopDeps & { router: Router; admission: Admission }, options: AttachOptions): WorkshopsFeature {
  const service = new Workshops(deps, { ...options, organizerKey: options.organizerKey ?? organizerKey(options.dataDir) });
  const tickets = new InstructorTickets();
  const sockets = new WorkshopSockets({ service, tickets, sessions: deps.sessions, allowedOrigins: options.allowedOrigins });
  workshopRoutes(deps.router, service, tickets, options.allowedOrigins);
  deps.router.upgrade(BOARD_PATH, sockets.upgrade);
  deps.router.upgrade(SHADOW_PATH, sockets.upgrade);
  deps.admission.addRule(workshopAdmissionRule(service.learners));
  return {
    service,
    async close() {
      sockets.close();
      await service.close();
    },
  };
}
