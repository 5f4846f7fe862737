/** `npm run images` flags: which images, whether to rebuild without cache, how much to print. */
import { parseArgs } from 'node:util';
import { LAB_IMAGES, type LabImage } from '../../lab-server/images.ts';
import { ImagesError } from './report.ts';

export const USAGE = 'usage: npm run images [-- --only shell,web] [--force] [--verbose]';

export interface Options { only: readonly LabImage[]; force: boolean; verbose: boolean }

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, strict: true, options: {
      only: { type: 'string' }, force: { type: 'boolean', default: false }, verbose: { type: 'boolean', default: false },
    } }).values;
  } catch (error) {
    throw new ImagesError('BAD_FLAG', `${(error as Error).message}; ${USAGE}`, { cause: error });
  }
}

export function parseOptions(argv: string[]): Options {
  const values = parseFlags(argv);
  const names = values.only?.split(',').map((name) => name.trim()).filter(Boolean);
  const unknown = names?.filter((name) => !LAB_IMAGES.some((image) => image.name === name)) ?? [];
  if (unknown.length) {
    throw new ImagesError('BAD_FLAG', `Unknown image ${unknown.join(', ')}: --only takes a comma-separated list of ${LAB_IMAGES.map((i) => i.name).join(', ')}.`);
  }
  const only = names ? LAB_IMAGES.filter((image) => names.includes(image.name)) : LAB_IMAGES;
  return { only, force: values.force, verbose: values.verbose };
}
