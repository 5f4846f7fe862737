/**
 * What the workshop API sends to the browser: the instructor's board and a learner's view of their
 * workshop. One definition for lab-server (which builds them) and the pages (which draw them).
 */

export type WorkshopStatus = 'scheduled' | 'running' | 'ended';

export type CellState = 'done' | 'in-progress' | 'failing' | 'not-started';

export interface BoardCell {
  state: CellState;
  /** Latest failing check message (in progress and failing). */
  message?: string;
  /** When the learner got to this exercise (the current one), for "failing for 7 min". */
  since?: number;
  doneAt?: number;
  /** Criteria passing in the latest run, of total. */
  passed?: number;
  total?: number;
}

export interface BoardLesson {
  slug: string;
  number: number;
  title: string;
  exercises: Array<{ id: string; title: string }>;
}

export interface BoardRow {
  seat: string;
  name: string;
  joinedAt: number;
  connected: boolean;
  labs: string[];
  lastInputAt?: number;
  watched: boolean;
  done: number;
  /** Longest time on a current exercise that is not passing; 0 when none. */
  stuckMs: number;
  /** `lab/exercise` → cell; absent cells are not started. */
  cells: Record<string, BoardCell>;
}

export interface BoardSnapshot {
  workshop: {
    code: string; title: string; status: WorkshopStatus; startsAt: number; endsAt: number; endedAt?: number;
    seats: number; seatsUsed: number; lessons: BoardLesson[]; exercises: number;
  };
  /** Server clock when the snapshot was made, so a browser with a skewed clock still shows the right time left. */
  now: number;
  /** Most stuck first: fewest done, then longest failing, then longest idle, then name. */
  roster: BoardRow[];
}

/** What a learner's page may know about their workshop. */
export interface LearnerView {
  workshop: {
    code: string; title: string; status: WorkshopStatus; startsAt: number; endsAt: number; endedAt?: number;
    lessons: Array<{ slug: string; number: number; title: string; navTitle: string; exercises: number }>;
  };
  seat: { name: string };
  broadcast?: { message: string; at: number };
  now: number;
}
