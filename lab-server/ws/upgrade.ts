/** The ping/pong heartbeat every WebSocket endpoint of lab-server shares. */
import type { WebSocket, WebSocketServer } from 'ws';

/** Pings every client each interval; one that did not answer the previous ping is terminated. */
export class Heartbeat {
  private readonly alive = new WeakSet<WebSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(wss: WebSocketServer, intervalMs: number) {
    this.timer = setInterval(() => {
      for (const ws of wss.clients) {
        if (!this.alive.has(ws)) {
          ws.terminate();
          continue;
        }
        this.alive.delete(ws);
        ws.ping();
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Starts watching a new connection. */
  track(ws: WebSocket): void {
    this.alive.add(ws);
    ws.on('pong', () => this.alive.add(ws));
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
