/**
 * State on disk: one node:sqlite database (data/bulkhead.db), WAL mode, schema migrations applied in
 * order at open. Modules own their tables through migrations listed here, so the order is explicit.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { LabError } from '../errors.ts';

export interface Migration {
  /** Unique, never reused; applied in array order. */
  id: string;
  sql: string;
}

/** Every table, in the order it came. Append only: an applied migration never changes. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-progress',
    sql: `
      CREATE TABLE criterion_results (
        learner TEXT NOT NULL, lab TEXT NOT NULL, exercise TEXT NOT NULL, criterion TEXT NOT NULL,
        passed INTEGER NOT NULL, message TEXT NOT NULL, checked_at INTEGER NOT NULL,
        PRIMARY KEY (learner, lab, exercise, criterion)
      ) STRICT;
      CREATE TABLE completions (
        learner TEXT NOT NULL, lab TEXT NOT NULL, exercise TEXT NOT NULL, completed_at INTEGER NOT NULL,
        PRIMARY KEY (learner, lab, exercise)
      ) STRICT;
    `,
  },
  {
    id: '0002-workshops',
    sql: `
      CREATE TABLE workshops (
        id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL, lessons TEXT NOT NULL,
        seats INTEGER NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL, ended_at INTEGER,
        secret_hash TEXT NOT NULL, created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE workshop_seats (
        id TEXT PRIMARY KEY, workshop TEXT NOT NULL REFERENCES workshops (id) ON DELETE CASCADE,
        learner TEXT NOT NULL, name TEXT NOT NULL, joined_at INTEGER NOT NULL,
        UNIQUE (workshop, learner)
      ) STRICT;
      CREATE INDEX workshop_seats_by_learner ON workshop_seats (learner, joined_at);
      CREATE TABLE workshop_results (
        seat TEXT NOT NULL REFERENCES workshop_seats (id) ON DELETE CASCADE, lab TEXT NOT NULL, exercise TEXT NOT NULL,
        first_at INTEGER NOT NULL, last_at INTEGER NOT NULL, attempts INTEGER NOT NULL,
        passed INTEGER NOT NULL, total INTEGER NOT NULL, message TEXT NOT NULL, done_at INTEGER,
        PRIMARY KEY (seat, lab, exercise)
      ) STRICT;
    `,
  },
];

export class Store {
  readonly db: DatabaseSync;

  private constructor(db: DatabaseSync) {
    this.db = db;
  }

  /** Opens (creating when needed) and migrates. `:memory:` is for unit tests. */
  static open(path: string, migrations: readonly Migration[] = MIGRATIONS): Store {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    let db: DatabaseSync;
    try {
      db = new DatabaseSync(path);
    } catch (error) {
      throw new LabError('STORE_UNAVAILABLE', `Cannot open the state database at ${path}: ${(error as Error).message}. Check DATA_DIR and its permissions.`, { cause: error });
    }
    db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    db.exec('CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at INTEGER NOT NULL) STRICT;');
    const applied = new Set((db.prepare('SELECT id FROM migrations').all() as Array<{ id: string }>).map((row) => row.id));
    for (const migration of migrations) {
      if (applied.has(migration.id)) continue;
      db.exec('BEGIN');
      try {
        db.exec(migration.sql);
        db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)').run(migration.id, Date.now());
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw new LabError('STORE_MIGRATION', `State database migration ${migration.id} failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return new Store(db);
  }

  /** Runs `fn` in one transaction. */
  transaction<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const result = fn();
      this.db.exec('COMMIT');
      return result;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  close(): void {
    this.db.close();
  }
}
