/**
 * The lab catalog: the course's lessons turned, once at start, into what a session needs: the sandbox
 * profile, the exercises, the Docker gate's lab definition and the preview port. Everything downstream
 * asks the catalog; nobody re-reads lessons or rebuilds a profile per request.
 */
import type { Exercise, Lesson } from '../../src/lib/lesson-schema.ts';
import type { Config } from '../config.ts';
import { imageRefs } from '../images.ts';
import { loadLessons, type LoadedLesson } from '../lessons.ts';
import { WarmPool, type SandboxProfile } from '../runtime/warm-pool.ts';
import type { SessionLab } from '../sessions/assembly.ts';

export type LabDefinition = NonNullable<Lesson['lab']>;

export interface CatalogLab {
  slug: string;
  lesson: LoadedLesson;
  definition: LabDefinition;
  profile: SandboxProfile;
  exercises: readonly Exercise[];
  /** Whether the session gets a Docker gate. */
  docker: boolean;
  previewPort?: number;
  /** What a session of this lab is started with. */
  session: SessionLab;
}

export class LabCatalog {
  readonly lessons: readonly LoadedLesson[];
  /** The learner shell image every sandbox runs. */
  readonly shellImage: string;
  private readonly labs: ReadonlyMap<string, CatalogLab>;

  constructor(lessons: readonly LoadedLesson[], shellImage: string) {
    this.lessons = lessons;
    this.shellImage = shellImage;
    this.labs = new Map(lessons.flatMap((lesson) => (lesson.lab ? [[lesson.slug, entry(lesson, lesson.lab, shellImage)] as const] : [])));
  }

  static async load(config: Config): Promise<LabCatalog> {
    const lessons = await loadLessons(config.CONTENT_DIR);
    return new LabCatalog(lessons, (await imageRefs('shell')).hashTag);
  }

  get(slug: string): CatalogLab | undefined {
    return this.labs.get(slug);
  }

  has(slug: string): boolean {
    return this.labs.has(slug);
  }

  all(): CatalogLab[] {
    return [...this.labs.values()];
  }

  lesson(slug: string): LoadedLesson | undefined {
    return this.lessons.find((l) => l.slug === slug);
  }

  /** One profile per distinct sandbox shape: what the warm pool keeps ready. */
  distinctProfiles(): SandboxProfile[] {
    const seen = new Map<string, SandboxProfile>();
    for (const { profile } of this.labs.values()) {
      const shape = WarmPool.key(profile);
      if (!seen.has(shape)) seen.set(shape, profile);
    }
    return [...seen.values()];
  }
}

/** The sandbox a lab's learner gets: for sessions (through the catalog) and for `npm run sandbox` and verify-labs. */
export function sandboxProfile(slug: string, definition: LabDefinition, image: string): SandboxProfile {
  return {
    // Docker labs need the network too: the learner reaches the containers they start over it.
    lab: slug, image, capAdd: definition.capAdd, network: definition.network === 'session' || definition.docker,
    gate: definition.docker,
  };
}

function entry(lesson: LoadedLesson, definition: LabDefinition, image: string): CatalogLab {
  const docker = definition.docker;
  const profile = sandboxProfile(lesson.slug, definition, image);
  return {
    slug: lesson.slug, lesson, definition, exercises: lesson.exercises, docker, profile,
    ...(definition.previewPort === undefined ? {} : { previewPort: definition.previewPort }),
    session: { profile, exercises: lesson.exercises, ...(docker ? { gate: definition } : {}) },
  };
}
