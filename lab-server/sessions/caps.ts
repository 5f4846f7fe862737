/** How many sessions may run, per learner, per address and in all, and how fast a learner may start them. */
import { totalmem } from 'node:os';

/** Share of the machine's memory that sandboxes may take, when no global cap is configured. */
const MEMORY_SHARE_FOR_SANDBOXES = 0.75;

export interface SessionCaps {
  perLearner: number;
  perIp: number;
  global: number;
  /** Sandbox creations per learner: burst, then per minute. */
  createBurst: number;
  createPerMinute: number;
}

export function defaultCaps(sandboxMemoryBytes: number): SessionCaps {
  return {
    perLearner: 3,
    perIp: 20,
    global: Math.max(1, Math.floor((totalmem() * MEMORY_SHARE_FOR_SANDBOXES) / sandboxMemoryBytes)),
    createBurst: 4,
    createPerMinute: 6,
  };
}
