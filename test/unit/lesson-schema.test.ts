import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContentError, loadLessons, validateLesson } from '../../lab-server/lessons.ts';

const lesson = (over: Record<string, unknown> = {}) => ({
  title: 'A lesson title', navTitle: 'Lesson', description: 'What this lesson is about.', minutes: 10,
  goals: ['Do one thing.', 'Do another.'], lab: { docker: true },
  exercises: [{
    id: 'one', title: 'First one', task: 'Do the first thing please.', hints: ['Look around.'], solution: 'true', needsDocker: true,
    criteria: [{ kind: 'sandbox', id: 'a', label: 'it is done', script: 'true' }],
  }],
  ...over,
});

describe('lesson frontmatter schema', () => {
  it('accepts a valid lesson and fills defaults', () => {
    const { lesson: parsed, problems } = validateLesson(lesson(), '05-x.mdx');
    expect(problems).toEqual([]);
    expect(parsed?.lab?.network).toBe('none');
    expect(parsed?.exercises[0]?.criteria[0]).toMatchObject({ timeoutMs: 5000 });
  });

  it('names the file and the field of every problem', () => {
    const bad = lesson({ minutes: 'ten', goals: ['only one'], extra: 1 });
    const { problems } = validateLesson(bad, '05-x.mdx');
    expect(problems.join('\n')).toMatch(/05-x\.mdx: minutes:/);
    expect(problems.join('\n')).toMatch(/05-x\.mdx: goals:/);
    expect(problems.join('\n')).toMatch(/05-x\.mdx: .*extra/);
  });

  it('rejects duplicate ids, unknown check kinds and docker criteria that lack their arguments', () => {
    const ex = (lesson().exercises as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const bad = lesson({ exercises: [ex, { ...ex, criteria: [
      { kind: 'docker', id: 'p', label: 'path check', name: 'web', assert: 'path-equals' },
      { kind: 'docker', id: 'c', label: 'cap check', name: 'web', assert: 'cap-added' },
    ] }] });
    const text = validateLesson(bad, '07-y.mdx').problems.join('\n');
    expect(text).toMatch(/exercises\.1\.id: duplicate exercise id "one"/);
    expect(text).toMatch(/exercises\.1\.criteria\.0\.path: path-equals needs a path/);
    expect(text).toMatch(/exercises\.1\.criteria\.1\.value: cap-added needs the capability name/);
    const unknownKind = lesson({ exercises: [{ ...ex, criteria: [{ kind: 'shell', id: 'k', label: 'bad kind' }] }] });
    expect(validateLesson(unknownKind, '07-y.mdx').problems.join('\n')).toMatch(/07-y\.mdx: exercises\.0\.criteria\.0\.kind/);
  });

  it('checks each wrong attempt against the exercise: a criterion that exists, and answer only for answers', () => {
    const ex = (lesson().exercises as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const good = lesson({ exercises: [{ ...ex, wrongAttempts: [{ mistake: 'does nothing', run: 'true', fails: 'a', message: 'not yet' }] }] });
    expect(validateLesson(good, '08-z.mdx').problems).toEqual([]);
    const bad = lesson({ exercises: [{ ...ex, wrongAttempts: [
      { mistake: 'names no criterion', run: 'true', fails: 'nope', message: 'x y z' },
      { mistake: 'types into a script', answer: '42', fails: 'a', message: 'x y z' },
      { mistake: 'does nothing at all', fails: 'a', message: 'x y z' },
    ] }] });
    const text = validateLesson(bad, '08-z.mdx').problems.join('\n');
    expect(text).toMatch(/08-z\.mdx: exercises\.0\.wrongAttempts\.0\.fails: no criterion "nope" in this exercise \(it has a\)/);
    expect(text).toMatch(/08-z\.mdx: exercises\.0\.wrongAttempts\.1\.answer: "a" is a sandbox criterion; `answer` is for answer criteria/);
    expect(text).toMatch(/08-z\.mdx: exercises\.0\.wrongAttempts\.2: a wrong attempt needs `run`, `answer` or both/);
    const noMessage = lesson({ exercises: [{ ...ex, wrongAttempts: [{ mistake: 'has no message', run: 'true', fails: 'a' }] }] });
    expect(validateLesson(noMessage, '08-z.mdx').problems.join('\n')).toMatch(/08-z\.mdx: exercises\.0\.wrongAttempts\.0\.message:/);
  });

  it('checks the near values of an answer: exactly one of value and compute', () => {
    const ex = (lesson().exercises as Array<Record<string, unknown>>)[0] as Record<string, unknown>;
    const answer = { kind: 'answer', id: 'q', label: 'the answer', prompt: 'What is it?', compute: 'echo 1' };
    const bad = lesson({ exercises: [{ ...ex, criteria: [{ ...answer, near: [{ message: 'neither one' }, { value: '2', compute: 'echo 2', message: 'both' }] }] }] });
    const text = validateLesson(bad, '09-n.mdx').problems.join('\n');
    expect(text).toMatch(/09-n\.mdx: exercises\.0\.criteria\.0\.near\.0: give exactly one of `value` and `compute`/);
    expect(text).toMatch(/09-n\.mdx: exercises\.0\.criteria\.0\.near\.1: give exactly one/);
  });

  it('requires a lab for exercises and docker for docker exercises', () => {
    expect(validateLesson(lesson({ lab: undefined }), 'a.mdx').problems.join()).toMatch(/need a `lab:` block/);
    expect(validateLesson(lesson({ lab: { docker: false } }), 'a.mdx').problems.join()).toMatch(/needsDocker: needs Docker/);
  });

  it('fails loading a content folder with a broken file, listing every problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'content-'));
    writeFileSync(join(dir, '01-good.mdx'), '---\ntitle: Good lesson\nnavTitle: Good\ndescription: A good lesson here.\nminutes: 5\ngoals: [Do thing a, Do thing b]\n---\nbody\n');
    writeFileSync(join(dir, '02-bad.mdx'), '---\ntitle: x\n---\n');
    writeFileSync(join(dir, 'Notes.mdx'), '---\n---\n');
    writeFileSync(join(dir, '03-dup.mdx'), '---\ntitle: a\ntitle: b\n---\n');
    const error = await loadLessons(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContentError);
    const text = (error as ContentError).problems.join('\n');
    expect(text).toMatch(/02-bad\.mdx: title:/);
    expect(text).toMatch(/Notes\.mdx: lesson files are named NN-slug\.mdx/);
    expect(text).toMatch(/03-dup\.mdx: frontmatter is not valid YAML/);
    expect(text).not.toMatch(/01-good/);
  });
});
