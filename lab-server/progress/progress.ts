/**
 * Learners' results per criterion and completed exercises, in the store; survives restarts. An exercise
 * counts as done once all its criteria passed together; a later failure does not undo the completion.
 */
import type { CriterionResult } from '../../src/lib/protocol.ts';
import type { Store } from '../store/store.ts';

export interface ProgressEvent {
  learner: string;
  lab: string;
  exercise: string;
  results: CriterionResult[];
  done: boolean;
  /** True the first time the exercise is completed. */
  completedNow: boolean;
  at: number;
}

export interface LabProgress {
  done: string[];
  results: Record<string, CriterionResult[]>;
}

export class Progress {
  private readonly store: Store;
  private readonly listeners = new Set<(event: ProgressEvent) => void>();

  constructor(store: Store) {
    this.store = store;
  }

  /** Called on every recorded check run (the workshop board listens here). */
  onChange(listener: (event: ProgressEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stores the results; returns whether the exercise is (now or already) done. */
  record(learner: string, lab: string, exercise: string, results: CriterionResult[], now = Date.now()): boolean {
    const passed = results.length > 0 && results.every((r) => r.passed);
    const { done, completedNow } = this.store.transaction(() => {
      const upsert = this.store.db.prepare(`
        INSERT INTO criterion_results (learner, lab, exercise, criterion, passed, message, checked_at) VALUES (?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (learner, lab, exercise, criterion) DO UPDATE SET passed = excluded.passed, message = excluded.message, checked_at = excluded.checked_at`);
      for (const r of results) upsert.run(learner, lab, exercise, r.criterion, r.passed ? 1 : 0, r.message, now);
      const existing = this.store.db.prepare('SELECT 1 FROM completions WHERE learner = ? AND lab = ? AND exercise = ?').get(learner, lab, exercise);
      if (!existing && passed) {
        this.store.db.prepare('INSERT INTO completions (learner, lab, exercise, completed_at) VALUES (?, ?, ?, ?)').run(learner, lab, exercise, now);
      }
      return { done: Boolean(existing) || passed, completedNow: !existing && passed };
    });
    const event: ProgressEvent = { learner, lab, exercise, results, done, completedNow, at: now };
    for (const listener of this.listeners) listener(event);
    return done;
  }

  forLab(learner: string, lab: string): LabProgress {
    const done = (this.store.db.prepare('SELECT exercise FROM completions WHERE learner = ? AND lab = ? ORDER BY completed_at').all(learner, lab) as Array<{ exercise: string }>).map((r) => r.exercise);
    const results: Record<string, CriterionResult[]> = {};
    const rows = this.store.db.prepare('SELECT exercise, criterion, passed, message FROM criterion_results WHERE learner = ? AND lab = ? ORDER BY rowid').all(learner, lab) as Array<{ exercise: string; criterion: string; passed: number; message: string }>;
    for (const row of rows) (results[row.exercise] ??= []).push({ criterion: row.criterion, passed: row.passed === 1, message: row.message });
    return { done, results };
  }

  /** Completed exercises per lab, for the outline. */
  completedByLab(learner: string): Record<string, string[]> {
    const rows = this.store.db.prepare('SELECT lab, exercise FROM completions WHERE learner = ?').all(learner) as Array<{ lab: string; exercise: string }>;
    const out: Record<string, string[]> = {};
    for (const row of rows) (out[row.lab] ??= []).push(row.exercise);
    return out;
  }

  reset(learner: string, lab: string): void {
    this.store.transaction(() => {
      this.store.db.prepare('DELETE FROM criterion_results WHERE learner = ? AND lab = ?').run(learner, lab);
      this.store.db.prepare('DELETE FROM completions WHERE learner = ? AND lab = ?').run(learner, lab);
    });
  }
}
