'use strict';
/**
 * `node [NODE-FLAGS] scripts/node24.cjs TARGET [ARG...]`: runs TARGET (a file, or a command a dependency
 * installs, such as `astro` or `vitest`) under a Node that runs the project's TypeScript. Every npm script
 * that runs a `.ts` file, or a tool that refuses old Node, goes through here, so `npm install && npm start`
 * also works where the machine's Node is 20.19 up to 22.17, which cannot run `.ts` files:
 *
 * - This Node runs `.ts` (22.18+, 23.6+): TARGET runs in this very process, as `node TARGET` would
 *   (no second process, same flags, `import.meta.main` true).
 * - Otherwise TARGET runs under `.tools/node_modules/node/bin/node` (or BULKHEAD_TOOLS_DIR's), fetched from
 *   the npm registry on first use, with the same flags, arguments, environment (that Node first on PATH, so
 *   nested `node` and `npm run` use it too), stdio, signals and exit status.
 *
 * CommonJS in the syntax of old Nodes (no `node:` imports, `??` or numeric separators) on purpose: a Node
 * too old to help must still parse this file to say so in one sentence instead of a stack trace.
 */
const childProcess = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
/**
 * Below this, `npm install` itself leaves Bulkhead broken: npm skips the optional native packages (rolldown's,
 * Astro's compiler, sharp) whose engines ask for 20.19+, so no Node fetched afterwards could build the site.
 */
const OLDEST_HELPED = [20, 19];
const NODE_PACKAGE = 'node@24';
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/**
 * From a terminal, Ctrl-C and a hang-up go to the whole foreground process group, the child included, so
 * passing them on too would deliver them twice (to lab-server, a repeated SIGINT means "stop now").
 */
const TERMINAL_SIGNALS = ['SIGINT', 'SIGHUP'];
const INSTALL_HELP = 'install Node 24 yourself (`nvm install` reads .nvmrc) and run the command again';

function versionParts(version) {
  const parts = String(version).replace(/^v/, '').split('.');
  return [Number(parts[0]) || 0, Number(parts[1]) || 0];
}

/** True when a Node of this version runs the project's erasable TypeScript without flags: type stripping is
 * on by default from 22.18 and 23.6 (Node's TypeScript docs), and node:sqlite is unflagged from 22.13. */
function runsProjectTypeScript(version) {
  const v = versionParts(version);
  return v[0] > 23 || (v[0] === 23 && v[1] >= 6) || (v[0] === 22 && v[1] >= 18);
}

function toolsDirFor(env) {
  return env.BULKHEAD_TOOLS_DIR ? path.resolve(env.BULKHEAD_TOOLS_DIR) : path.join(ROOT, '.tools');
}

/** The Node that `npm install --prefix TOOLS node@24` leaves, and whether it runs the project. */
function toolsNode(toolsDir) {
  const pkg = path.join(toolsDir, 'node_modules', 'node');
  const bin = path.join(pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node');
  let version = null;
  try {
    version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;
  } catch (error) {
    // No package.json: a partial install, treated like none.
  }
  return { bin: bin, version: version, usable: fs.existsSync(bin) && version !== null && runsProjectTypeScript(version) };
}

/** A file as given, or a command name looked up in the bin fields of the project's own dependencies. */
function targetFile(root, target) {
  const isCommand = path.extname(target) === '' && !/[\\/]/.test(target);
  if (!isCommand) return fs.existsSync(target) ? path.resolve(target) : null;
  const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const deps = Object.keys(Object.assign({}, manifest.dependencies, manifest.devDependencies));
  for (const dep of deps) {
    let pkg;
    try {
      pkg = JSON.parse(fs.readFileSync(path.join(root, 'node_modules', dep, 'package.json'), 'utf8'));
    } catch (error) {
      continue; // not installed (yet): the caller says to run npm install
    }
    const bin = typeof pkg.bin === 'string' ? { [dep.split('/').pop()]: pkg.bin } : pkg.bin || {};
    if (typeof bin[target] === 'string') return path.join(root, 'node_modules', dep, bin[target]);
  }
  return null;
}

/** True when a Node of this version installs complete node_modules, so fetching Node 24 for it helps. */
function canBeHelped(version) {
  const v = versionParts(version);
  return v[0] > OLDEST_HELPED[0] || (v[0] === OLDEST_HELPED[0] && v[1] >= OLDEST_HELPED[1]);
}

/** The environment for the child: this one, with the child's Node first on PATH. */
function childEnv(env, nodeBin) {
  const key = Object.keys(env).find((k) => k.toUpperCase() === 'PATH') || 'PATH';
  const result = Object.assign({}, env);
  result[key] = env[key] ? path.dirname(nodeBin) + path.delimiter + env[key] : path.dirname(nodeBin);
  return result;
}

/** The npm that started us (npm sets npm_execpath for its scripts), else the one on PATH. */
function npmCommand(env) {
  if (env.npm_execpath && /npm-cli\.js$/.test(env.npm_execpath)) return { file: process.execPath, args: [env.npm_execpath] };
  return { file: process.platform === 'win32' ? 'npm.cmd' : 'npm', args: [] };
}

function fail(sentence, exitCode) {
  process.stderr.write(sentence + '\n');
  process.exit(exitCode === undefined ? 1 : exitCode);
}

function shown(dir) {
  return path.relative(process.cwd(), dir) || '.';
}

function fetchNode(toolsDir) {
  process.stderr.write(
    'Node ' + process.versions.node + ' cannot run Bulkhead (it needs 22.18 or newer): fetching Node 24 from the npm registry into ' +
      shown(toolsDir) + ' (once, about 30 MB)\n',
  );
  const npm = npmCommand(process.env);
  const args = npm.args.concat(['install', '--prefix', toolsDir, '--no-audit', '--no-fund', '--loglevel=error', NODE_PACKAGE]);
  // npm's "added 2 packages" would be a second line; its errors (stderr) stay visible.
  const result = childProcess.spawnSync(npm.file, args, { stdio: ['ignore', 'ignore', 'inherit'], shell: process.platform === 'win32' });
  if (result.error && result.error.code === 'ENOENT') fail('npm was not found, so Node 24 cannot be fetched: ' + INSTALL_HELP + '.');
  if (result.error) fail('npm could not be run to fetch Node 24 (' + result.error.message + '): ' + INSTALL_HELP + '.');
  if (result.status !== 0) {
    fail('Fetching Node 24 with npm failed (exit ' + (result.status === null ? result.signal : result.status) + ', npm says why above): check the network and npm registry settings, or ' + INSTALL_HELP + '.');
  }
  const node = toolsNode(toolsDir);
  if (!node.usable) fail('npm finished but left no Node 22.18+ in ' + shown(toolsDir) + ': remove that folder, or ' + INSTALL_HELP + '.');
  return node;
}

/** Runs `file args` as if it were this process: stdio, forwarded signals, exit code or signal. */
function runAsThisProcess(file, args, env, onError) {
  const child = childProcess.spawn(file, args, { stdio: 'inherit', env: env });
  // isatty, not process.stdin: a stdin stream would switch the terminal the child reads to non-blocking.
  const fromTerminal = require('tty').isatty(0);
  const forward = (signal) => {
    if (fromTerminal && TERMINAL_SIGNALS.indexOf(signal) >= 0) return;
    child.kill(signal);
  };
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.on('error', onError);
  child.on('exit', (code, signal) => {
    for (const s of FORWARDED_SIGNALS) process.removeListener(s, forward);
    if (signal === null) process.exit(code === null ? 1 : code);
    // Die of the same signal, so a shell or npm sees what the child died of; the exit is a fallback.
    process.kill(process.pid, signal);
    setTimeout(() => process.exit(128 + (os.constants.signals[signal] || 0)), 100);
  });
}

function main() {
  if (!canBeHelped(process.versions.node)) {
    fail('Node ' + process.versions.node + ' is too old for Bulkhead (npm install under it skips packages that need 20.19 or newer): ' +
      'install Node 24 (`nvm install` reads .nvmrc), then run `npm install` and the command again.');
  }
  const target = process.argv[2];
  if (!target) fail('usage: node [NODE-FLAGS] scripts/node24.cjs FILE|COMMAND [ARG...]', 2);
  if (target.startsWith('-')) fail('Node flags go before the launcher: node ' + target + ' scripts/node24.cjs FILE|COMMAND [ARG...]', 2);
  const file = targetFile(ROOT, target);
  if (file === null) {
    fail(path.extname(target) === '' && !/[\\/]/.test(target)
      ? 'No dependency installs a command called "' + target + '": run `npm install` first.'
      : 'There is no file ' + target + ' (from ' + process.cwd() + ').');
  }
  const args = process.argv.slice(3);
  const Module = require('module');
  if (runsProjectTypeScript(process.versions.node) && typeof Module.runMain === 'function') {
    // Node's own entry point runner: ESM or CommonJS by the file, top-level await, import.meta.main.
    process.argv = [process.argv[0], file].concat(args);
    Module.runMain();
    return;
  }
  const toolsDir = toolsDirFor(process.env);
  let node = toolsNode(toolsDir);
  if (!node.usable) node = fetchNode(toolsDir);
  runAsThisProcess(node.bin, process.execArgv.concat([file], args), childEnv(process.env, node.bin), (error) => {
    fail('Node 24 in ' + shown(toolsDir) + ' could not be started (' + error.message + '): remove that folder to fetch it again, or ' + INSTALL_HELP + '.');
  });
}

module.exports = { runsProjectTypeScript, canBeHelped, toolsNode, targetFile, childEnv, npmCommand };

if (require.main === module) main();
