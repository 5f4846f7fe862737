/** What `npm run images` tells the operator: timed step lines, and its one error class. */
import { LabError, type ErrorCode } from '../../lab-server/errors.ts';

/** Lines of a failing build step or bootstrap shown with the error. */
export const FAILURE_TAIL_LINES = 40;

export class ImagesError extends LabError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'ImagesError';
  }
}

const started = performance.now();
export const seconds = (since: number) => ((performance.now() - since) / 1000).toFixed(1);
export const step = (message: string) => console.log(`[${seconds(started).padStart(6)}s] ${message}`);
