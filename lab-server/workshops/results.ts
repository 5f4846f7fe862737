/**
 * The workshop's record of check results: every check a seated learner runs on one of the workshop's
 * lessons while it runs goes into `workshop_results` (apart from the learner's own progress, which they
 * may reset), and the board is told.
 */
import type { Progress, ProgressEvent } from '../progress/progress.ts';
import { statusOf } from './model.ts';
import type { WorkshopStore } from './workshop-store.ts';
import type { Log } from '../ops/log.ts';

/** Records progress events into the workshop's results; returns the unsubscription. */
export function recordResults(options: {
  progress: Pick<Progress, 'onChange'>; store: WorkshopStore; touch: (workshop: string) => void; log: Log;
}): () => void {
  const { store, touch, log } = options;
  return options.progress.onChange((event: ProgressEvent) => {
    try {
      const seat = store.latestSeat(event.learner);
      const workshop = seat && store.byId(seat.workshop);
      if (!seat || !workshop || statusOf(workshop, event.at) !== 'running' || !workshop.lessons.includes(event.lab)) return;
      store.recordResult(seat.id, event.lab, event.exercise, event.results, event.done, event.at);
      touch(workshop.id);
    } catch (error) {
      // A check result must reach the learner even when the workshop's copy of it cannot be written.
      log.error({ event: 'workshop.result_failed', err: String(error) }, 'Could not record a check result for a workshop');
    }
  });
}
