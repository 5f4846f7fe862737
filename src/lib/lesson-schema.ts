/**
 * The frontmatter of a lesson (content/NN-slug.mdx). One schema, used by the Astro content collection
 * (build-time validation) and by lab-server (start-time validation of exercises). Every field is
 * documented here; docs/authoring.md explains them with examples.
 */
import { z } from 'astro/zod';

/** Lower-case words joined by dashes, used in URLs and as stable ids in the progress store. */
const slug = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'use lower-case letters, digits and dashes');

/** Capabilities a lab may add back on top of `CapDrop: ALL`, without the CAP_ prefix. */
export const ADDABLE_CAPABILITIES = ['NET_BIND_SERVICE', 'CHOWN', 'SETUID', 'SETGID', 'NET_RAW', 'KILL', 'DAC_OVERRIDE', 'FOWNER'] as const;

/** Named Docker-state predicates for `docker` criteria, modelled on the CIS Docker Benchmark's container checks. */
export const DOCKER_PREDICATES = [
  'exists', 'running', 'non-root-user', 'cap-drop-all', 'no-capabilities', 'cap-added', 'not-privileged', 'read-only-rootfs',
  'memory-limit', 'pids-limit', 'cpu-limit', 'no-new-privileges', 'no-host-namespaces', 'no-docker-sock',
  'pinned-image', 'healthcheck', 'healthy', 'path-equals', 'path-matches', 'no-secret-in-env',
] as const;

/** A shell script run in the learner's sandbox outside their shell (by the sandbox's check agent); exit 0 passes, its first output line is the message. */
const sandboxCriterion = z.object({
  kind: z.literal('sandbox'),
  /** Stable id, unique in the exercise. */
  id: slug,
  /** What this criterion asks for, shown in the checklist ("the web container runs as a non-root user"). */
  label: z.string().min(3),
  /** bash script; runs as the learner with a read-only view of their work. Print one short line that says what is still wrong. */
  script: z.string().min(1),
  /** Milliseconds before the check counts as failed. */
  timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
}).strict();

/** An assertion on the inspect output of an object the learner's session owns. */
const dockerCriterion = z.object({
  kind: z.literal('docker'),
  id: slug,
  label: z.string().min(3),
  /** Object type, as in `docker inspect --type`. */
  object: z.enum(['container', 'image', 'network', 'volume']).default('container'),
  /** The learner's own name for the object (as they typed it). */
  name: z.string().min(1),
  /** Which predicate must hold. */
  assert: z.enum(DOCKER_PREDICATES),
  /** Argument of the predicate: a capability for cap-added, a maximum for limits, a value for path-equals. */
  value: z.union([z.string(), z.number(), z.boolean()]).optional(),
  /** Dotted path into the inspect JSON, for path-equals and path-matches (e.g. `HostConfig.ReadonlyRootfs`). */
  path: z.string().optional(),
  /** Message shown when the assertion fails; the library provides a specific default for each predicate. */
  failMessage: z.string().optional(),
}).strict();

/** The learner types an answer in the page; it is compared with the trimmed output of `compute`, run in the sandbox. */
const answerCriterion = z.object({
  kind: z.literal('answer'),
  id: slug,
  label: z.string().min(3),
  /** The question next to the input box. */
  prompt: z.string().min(3),
  /** bash script whose trimmed stdout is the expected answer, computed live. */
  compute: z.string().min(1),
  /** Compare case-insensitively (addresses, hex). */
  ignoreCase: z.boolean().default(true),
  /**
   * Likely wrong answers and what to tell the learner when they type one: the value of a neighbouring
   * field (the image's ID when the container's is asked), a known confusion. Each gives `value` (a fixed
   * text) or `compute` (a script run beside `compute`, whose trimmed output is the value); a typed answer
   * equal to it gets `message`. Format, unit and prefix mistakes are diagnosed without being listed.
   */
  near: z.array(z.object({
    value: z.string().min(1).optional(),
    compute: z.string().min(1).optional(),
    message: z.string().min(3),
  }).strict().refine((n) => (n.value === undefined) !== (n.compute === undefined), 'give exactly one of `value` and `compute`')).optional(),
}).strict();

export const criterionSchema = z.discriminatedUnion('kind', [sandboxCriterion, dockerCriterion, answerCriterion]);

/** One plausible mistake and the feedback it must get (see `wrongAttempts`). */
export const wrongAttemptSchema = z.object({
  /** The mistake in a few words ("runs it by its tag"), printed by verify-labs. */
  mistake: z.string().min(3),
  /** bash script the learner might run instead of the solution (optional for a typed answer alone). */
  run: z.string().min(1).optional(),
  /** For an answer criterion: the wrong answer typed. Without it, the last line `run` prints is the answer. */
  answer: z.string().optional(),
  /** Id of the criterion that must fail. */
  fails: slug,
  /** Text the failure message must contain: the specific feedback this mistake gets. */
  message: z.string().min(3),
}).strict().refine((a) => a.run !== undefined || a.answer !== undefined, 'a wrong attempt needs `run`, `answer` or both');

export const exerciseSchema = z.object({
  /** Stable id, unique in the lesson; progress is stored under it. */
  id: slug,
  /** Short imperative title ("Drop every capability"). */
  title: z.string().min(3),
  /** The outcome asked for, in Markdown. Ask for an outcome, not keystrokes. */
  task: z.string().min(10),
  /** Revealed one at a time, from a nudge to nearly the answer. */
  hints: z.array(z.string().min(3)).min(1),
  /** All must pass for the exercise to be done. */
  criteria: z.array(criterionSchema).min(1),
  /** bash script that completes the exercise; hidden from learners, run by `npm run verify-labs` in CI. */
  solution: z.string().min(1),
  /** True when the exercise needs `docker` inside the lab (served by the per-session Docker gate). */
  needsDocker: z.boolean().default(false),
  /**
   * Plausible wrong attempts, beside the solution and as hidden: `npm run verify-labs` runs each one (in a
   * sandbox reset to the state the previous exercises' solutions leave) and proves that the criterion
   * `fails` then fails with a message containing `message`. Aim for the three most likely mistakes.
   */
  wrongAttempts: z.array(wrongAttemptSchema).optional(),
}).strict();

export const labSchema = z.object({
  /** Lab image the sandbox starts from. */
  image: z.enum(['shell']).default('shell'),
  /** Whether the sandbox gets the per-session Docker gate at /var/run/docker.sock. */
  docker: z.boolean().default(false),
  /** `none`: no network at all; `session`: a private internal network shared with the learner's own containers. */
  network: z.enum(['none', 'session']).default('none'),
  /** Capabilities added back for this lab only, each one the lesson teaches. */
  capAdd: z.array(z.enum(ADDABLE_CAPABILITIES)).default([]),
  /**
   * Whether containers the learner starts through the Docker gate may run as root inside (lessons that
   * show root's default capabilities or setuid binaries). Off by default: every container then runs as a
   * non-root uid with no-new-privileges forced, whatever the learner asks for.
   */
  allowRoot: z.boolean().default(false),
  /** A port the lesson opens in a preview tab. */
  previewPort: z.number().int().min(1).max(65_535).optional(),
}).strict();

export const lessonSchema = z.object({
  /** Names the skill ("Drop the capabilities you don't need"). */
  title: z.string().min(3).max(90),
  /** One sentence for the outline, search results and the page's meta description. */
  description: z.string().min(10).max(240),
  /** Two to four learning goals, each a sentence starting with a verb. */
  goals: z.array(z.string().min(5)).min(2).max(4),
  /** Short label for the outline and previous/next links. */
  navTitle: z.string().min(2).max(40),
  /** Minutes a learner typically needs, lab included. */
  minutes: z.number().int().min(1).max(120),
  /** The lesson's lab; omit for a reading-only lesson. */
  lab: labSchema.optional(),
  /** Auto-checked exercises, in the order taught. */
  exercises: z.array(exerciseSchema).default([]),
}).strict().superRefine((lesson, ctx) => {
  if (lesson.lab?.previewPort !== undefined && !lesson.lab.docker && lesson.lab.network !== 'session') {
    // The preview reaches an app from inside the sandbox, over the session's network: without one there is nothing to reach.
    ctx.addIssue({ code: 'custom', path: ['lab', 'previewPort'], message: 'a preview port needs a network: `docker: true` or `network: session`' });
  }
  const seen = new Set<string>();
  lesson.exercises.forEach((exercise, i) => {
    if (seen.has(exercise.id)) ctx.addIssue({ code: 'custom', path: ['exercises', i, 'id'], message: `duplicate exercise id "${exercise.id}"` });
    seen.add(exercise.id);
    if (!lesson.lab) ctx.addIssue({ code: 'custom', path: ['exercises', i], message: 'exercises need a `lab:` block in the lesson' });
    if (exercise.needsDocker && lesson.lab && !lesson.lab.docker) {
      ctx.addIssue({ code: 'custom', path: ['exercises', i, 'needsDocker'], message: 'needs Docker but the lab does not set `docker: true`' });
    }
    const ids = new Set<string>();
    (exercise.wrongAttempts ?? []).forEach((attempt, k) => {
      const at = ['exercises', i, 'wrongAttempts', k];
      const target = exercise.criteria.find((c) => c.id === attempt.fails);
      if (!target) ctx.addIssue({ code: 'custom', path: [...at, 'fails'], message: `no criterion "${attempt.fails}" in this exercise (it has ${exercise.criteria.map((c) => c.id).join(', ')})` });
      else if (attempt.answer !== undefined && target.kind !== 'answer') ctx.addIssue({ code: 'custom', path: [...at, 'answer'], message: `"${attempt.fails}" is a ${target.kind} criterion; \`answer\` is for answer criteria` });
      else if (attempt.run === undefined && target.kind !== 'answer') ctx.addIssue({ code: 'custom', path: [...at, 'run'], message: `a wrong attempt at the ${target.kind} criterion "${attempt.fails}" needs \`run\`` });
    });
    exercise.criteria.forEach((c, j) => {
      const at = ['exercises', i, 'criteria', j];
      if (ids.has(c.id)) ctx.addIssue({ code: 'custom', path: [...at, 'id'], message: `duplicate criterion id "${c.id}"` });
      ids.add(c.id);
      if (c.kind !== 'docker') return;
      if ((c.assert === 'path-equals' || c.assert === 'path-matches') && !c.path) ctx.addIssue({ code: 'custom', path: [...at, 'path'], message: `${c.assert} needs a path` });
      if (c.assert === 'path-matches') {
        try { new RegExp(String(c.value ?? '')); } catch { ctx.addIssue({ code: 'custom', path: [...at, 'value'], message: 'path-matches needs a valid regular expression' }); }
      }
      if (c.assert === 'cap-added' && typeof c.value !== 'string') ctx.addIssue({ code: 'custom', path: [...at, 'value'], message: 'cap-added needs the capability name as value' });
      if ((c.assert === 'memory-limit' || c.assert === 'pids-limit' || c.assert === 'cpu-limit') && c.value !== undefined && typeof c.value !== 'number') {
        ctx.addIssue({ code: 'custom', path: [...at, 'value'], message: `${c.assert} takes a number (the most allowed)` });
      }
      if (c.kind === 'docker' && exercise.needsDocker === false) ctx.addIssue({ code: 'custom', path: [...at, 'kind'], message: 'docker criteria need `needsDocker: true` on the exercise' });
    });
  });
});

export type Lesson = z.infer<typeof lessonSchema>;
export type Exercise = z.infer<typeof exerciseSchema>;
export type Criterion = z.infer<typeof criterionSchema>;
export type WrongAttempt = z.infer<typeof wrongAttemptSchema>;
