/**
 * Instructor-run workshops, attached to a running lab-server: the service over the store, its HTTP API,
 * the board and shadow WebSockets, and the clock (pre-warming, end time). See docs/workshops.md.
 */
import type { LabServer } from '../app.ts';
import { workshopRoutes } from './routes.ts';
import { organizerKey } from './secrets.ts';
import { Workshops, type WorkshopOptions } from './service.ts';
import { WorkshopSockets } from './sockets.ts';
import { InstructorTickets } from './tickets.ts';

export interface AttachOptions extends Partial<Omit<WorkshopOptions, 'organizerKey'>> {
  /** Origins allowed besides the server's own (the ALLOWED_ORIGINS setting). */
  allowedOrigins: readonly string[];
  /** DATA_DIR: the organizer key file lives here, beside the database. */
  dataDir: string;
  /** Overrides the key file (tests). */
  organizerKey?: string;
}

export function attachWorkshops(lab: LabServer, options: AttachOptions): Workshops {
  const service = new Workshops(lab, { ...options, organizerKey: options.organizerKey ?? organizerKey(options.dataDir) });
  const tickets = new InstructorTickets();
  const sockets = new WorkshopSockets({ service, tickets, sessions: lab.sessions, allowedOrigins: options.allowedOrigins });
  lab.routes.push(workshopRoutes(service, tickets, options.allowedOrigins));
  // A room shares one address behind its NAT: seated learners of a running workshop are counted by the
  // workshop's seats, not by the per-address cap, once SessionManager offers the exemption list.
  const exemptions = (lab.sessions as { ipCapExemptions?: Array<(learner: string) => boolean> }).ipCapExemptions;
  exemptions?.push((learner) => service.inRunningWorkshop(learner));
  lab.upgrades.push(sockets.upgrade);
  lab.onClose.push(async () => {
    sockets.close();
    await service.close();
  });
  return service;
}
