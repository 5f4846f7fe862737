/**
 * `npm run workshop -- <command>`: runs workshops on a running lab-server through its HTTP API.
 *
 *   create --title T --lessons 2,8,10 --seats 40 --duration 3h [--starts-in 10m]
 *   list
 *   end CODE
 *   export CODE --format csv|json [--out FILE]
 *
 * Options for every command: --server URL (default http://localhost:$PORT, 8080 unless PORT is set; use
 * the address learners will open, since the printed links start with it) and --key KEY (the organizer
 * key; default $BULKHEAD_ORGANIZER_KEY, else the file organizer-key in DATA_DIR, which lab-server
 * creates on its first start). The organizer key may act on every workshop; instructors get a
 * per-workshop secret in their link instead.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../lab-server/config.ts';
import { ORGANIZER_KEY_FILE } from '../lab-server/workshops/secrets.ts';

const USAGE = `usage:
  npm run workshop -- create --title "Docker security" --lessons 2,8,10 --seats 40 --duration 3h [--starts-in 10m]
  npm run workshop -- list
  npm run workshop -- end CODE
  npm run workshop -- export CODE --format csv|json [--out FILE]
options: --server URL (default http://localhost:8080)   --key ORGANIZER_KEY (default: DATA_DIR/organizer-key)`;

class UsageError extends Error {}

const OPTIONS = {
  server: { type: 'string' }, key: { type: 'string' }, title: { type: 'string' }, lessons: { type: 'string' },
  seats: { type: 'string' }, duration: { type: 'string' }, 'starts-in': { type: 'string' }, format: { type: 'string' },
  out: { type: 'string' }, help: { type: 'boolean', short: 'h' },
} as const;

interface Summary { code: string; title: string; status: string; lessons?: string[]; seats: number; seatsUsed?: number; startsAt: number; endsAt: number; endedAt?: number }

function when(ms: number): string {
  return new Date(ms).toLocaleString([], { weekday: 'short', hour: '2-digit', minute: '2-digit' });
}

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h && m ? `${h} h ${m} min` : h ? `${h} h` : `${m} min`;
}

async function organizerKey(flag: string | undefined): Promise<string> {
  if (flag) return flag;
  if (process.env.BULKHEAD_ORGANIZER_KEY) return process.env.BULKHEAD_ORGANIZER_KEY;
  const path = join(loadConfig().DATA_DIR, ORGANIZER_KEY_FILE);
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    throw new Error(`No organizer key at ${path}. Start the lab-server once (npm start) to create it, or pass --key with the key of the server you talk to.`);
  }
}

async function request(server: string, key: string, path: string, init: { method?: string; body?: unknown } = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(new URL(path, server), {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { Authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  } catch (error) {
    throw new Error(`No lab-server answers at ${server} (${(error as Error).message}). Start it with \`npm start\`, or pass --server with its address.`, { cause: error });
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => ({}))) as { error?: string };
    throw new Error(body.error ?? `The lab-server answered ${response.status} ${response.statusText}.`);
  }
  return response;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  const [command, code] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const server = (values.server ?? `http://localhost:${loadConfig().PORT || 8080}`).replace(/\/+$/, '');
  const key = await organizerKey(values.key);

  if (command === 'create') {
    if (!values.title || !values.lessons || !values.seats || !values.duration) throw new UsageError('create needs --title, --lessons, --seats and --duration.');
    const response = await request(server, key, '/api/workshops', {
      body: { title: values.title, lessons: values.lessons, seats: Number(values.seats), duration: values.duration, startsIn: values['starts-in'] },
    });
    const created = (await response.json()) as { workshop: Summary; secret: string; joinPath: string; instructorPath: string };
    const w = created.workshop;
    const startsIn = w.startsAt - Date.now();
    console.log(`Created “${w.title}”.\n`);
    console.log(`  Join code        ${w.code}`);
    console.log(`  Join link        ${server}${created.joinPath}`);
    console.log(`  Instructor link  ${server}${created.instructorPath}`);
    console.log(`  When             ${when(w.startsAt)} to ${when(w.endsAt)} (${startsIn > 30_000 ? `starts in ${span(startsIn)}, ` : ''}${span(w.endsAt - w.startsAt)})`);
    console.log(`  Lessons          ${(w.lessons ?? []).join(', ')}`);
    console.log(`  Seats            ${w.seats}`);
    console.log('\nThe instructor link holds a secret that is shown only this once: keep it private.');
    console.log('Learners open the join link (or /workshop/ and type the code) and pick a display name.');
    return 0;
  }
  if (command === 'list') {
    const { workshops } = (await (await request(server, key, '/api/workshops')).json()) as { workshops: Summary[] };
    if (!workshops.length) {
      console.log('No workshops yet. Create one with: npm run workshop -- create --title ... --lessons ... --seats ... --duration ...');
      return 0;
    }
    console.log(['CODE  ', 'STATUS   ', 'SEATS  ', 'STARTS         ', 'ENDS           ', 'TITLE'].join(' '));
    for (const w of workshops) {
      console.log([w.code, w.status.padEnd(9), `${w.seatsUsed ?? 0}/${w.seats}`.padEnd(7), when(w.startsAt).padEnd(15), when(w.endedAt ?? w.endsAt).padEnd(15), w.title].join(' '));
    }
    return 0;
  }
  if (command === 'end' || command === 'export') {
    if (!code) throw new UsageError(`${command} needs the workshop's join code.`);
    const path = `/api/workshops/${encodeURIComponent(code.toUpperCase())}`;
    if (command === 'end') {
      const ended = (await (await request(server, key, `${path}/end`, { method: 'POST' })).json()) as { sandboxes: number; workshop: Summary };
      console.log(`Ended “${ended.workshop.title}”: ${ended.sandboxes} open lab(s) closed and their sandboxes removed; learners were told.`);
      console.log(`Export the results with: npm run workshop -- export ${ended.workshop.code} --format csv --out results.csv`);
      return 0;
    }
    const format = values.format ?? 'csv';
    if (format !== 'csv' && format !== 'json') throw new UsageError('--format is csv or json.');
    const text = await (await request(server, key, `${path}/export?format=${format}`)).text();
    if (values.out) {
      await writeFile(values.out, text);
      console.error(`Wrote ${values.out}.`);
    } else {
      process.stdout.write(text);
    }
    return 0;
  }
  throw new UsageError(`Unknown command "${command}".`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
