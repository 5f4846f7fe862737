/**
 * How the container rules resolve a learner's references: always to the session's own objects (a
 * foreign one answers like a missing one), and always to full ids or engine names, so the engine can
 * never resolve a name differently from the gate. Unit tests pass fakes; handlers/container-create.ts
 * the session's.
 */
export interface ObjectRef { id: string; engineName: string }

export interface CreateLookups {
  /** One of the session's containers (404 otherwise). */
  container(ref: string): Promise<ObjectRef>;
  /** One of the session's networks, `bridge` meaning the session network (404 otherwise). */
  network(ref: string): Promise<ObjectRef>;
  /** The engine name of the session's volume, created (within the quota) when missing. */
  volume(learnerName: string): Promise<string>;
  image(ref: string): Promise<{ engineRef: string; user: string; workingDir: string }>;
}
