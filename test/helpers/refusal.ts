/** The GateRefusal a synchronous gate check throws; any other outcome fails the test. */
import { GateRefusal } from '../../lab-server/gate/refusal.ts';

export function refusalOf(fn: () => unknown): GateRefusal {
  try {
    fn();
  } catch (error) {
    if (error instanceof GateRefusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}
