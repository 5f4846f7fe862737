// Hit counter for the Compose lesson: GET / increments a counter in Redis and says how many views the
// page has had. No dependencies: three lines of the Redis protocol (RESP) over node:net are enough.
import { createServer } from 'node:http';
import { connect } from 'node:net';

const PORT = 3000;
const REDIS_HOST = process.env.REDIS_HOST || 'redis';
const REDIS_PORT = 6379;
const REDIS_TIMEOUT_MS = 2_000;

/** Sends INCR and resolves with the new value; one short connection per request keeps no state to go stale. */
function incr(key) {
  return new Promise((resolve, reject) => {
    const socket = connect(REDIS_PORT, REDIS_HOST);
    let reply = '';
    socket.setTimeout(REDIS_TIMEOUT_MS, () => socket.destroy(new Error(`no answer within ${REDIS_TIMEOUT_MS} ms`)));
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      reply += chunk;
      if (!reply.endsWith('\r\n')) return;
      socket.end();
      // ":<n>" is an integer reply, "-<message>" an error reply.
      if (reply.startsWith(':')) resolve(Number(reply.slice(1)));
      else reject(new Error(reply.slice(1).trim()));
    });
    socket.write(`*2\r\n$4\r\nINCR\r\n$${Buffer.byteLength(key)}\r\n${key}\r\n`);
  });
}

const server = createServer(async (request, response) => {
  const send = (status, text) => response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(`${text}\n`);
  if (request.url === '/healthz') return send(200, 'ok');
  if (request.method !== 'GET' || request.url !== '/') return send(404, 'Not found: try GET /');
  try {
    const views = await incr('hits');
    send(200, `Hello from Bulkhead! This page has been viewed ${views} ${views === 1 ? 'time' : 'times'}.`);
  } catch (error) {
    console.error(`redis ${REDIS_HOST}:${REDIS_PORT}: ${error.message}`);
    send(503, `Redis at ${REDIS_HOST}:${REDIS_PORT} is not answering (${error.code ?? error.message}); the counter is back as soon as it is.`);
  }
});

server.listen(PORT, () => console.log(`listening on :${PORT}, counting in redis at ${REDIS_HOST}:${REDIS_PORT}`));
// PID 1 gets no default signal handlers: without this, `docker stop` waits its full timeout. Open
// keep-alive connections would hold server.close() open too, so they are cut: a counter has no state to flush.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
