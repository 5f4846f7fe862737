/**
 * The workshop's WebSockets, each authenticated in the upgrade (Origin, then a single-use instructor
 * ticket; 403/401 and the socket destroyed otherwise):
 *
 * - /ws/board?ticket=…   the board as JSON `{type:'board', board}`, pushed on every change (coalesced
 *   over BOARD_COALESCE_MS) and when the clock changes what it shows (idle times, stuck cells).
 * - /ws/shadow?ticket=…  one learner's terminal, read-only: the terminal protocol's OUTPUT frames and
 *   control messages, replayed screen first. Nothing the instructor sends is read.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { OP_OUTPUT, encodeData, type ServerControl } from '../../src/lib/protocol.ts';
import { isAllowedOrigin } from '../http/origin.ts';
import { refuseUpgrade } from '../http/router.ts';
import { Heartbeat } from '../ws/upgrade.ts';
import type { SessionManager } from '../sessions/manager.ts';
import type { SessionPeer } from '../sessions/session.ts';
import type { BoardSnapshot } from './board.ts';
import type { Workshops } from './service.ts';
import type { InstructorTickets } from './tickets.ts';

export const BOARD_PATH = '/ws/board';
export const SHADOW_PATH = '/ws/shadow';
/** Changes within this window go out as one board. */
export const BOARD_COALESCE_MS = 100;
/** How often the clock-driven parts of open boards are recomputed. */
const BOARD_REFRESH_MS = 2_000;
/** Idle times are compared at this grain, so a room that types does not resend the board every second. */
const IDLE_GRAIN_MS = 5_000;
const HEARTBEAT_MS = 15_000;
const MAX_CLIENT_PAYLOAD_BYTES = 1024;
const WATCHER_NAME = 'Your instructor';

/** What changes what the board shows, without the parts that move with the clock alone. */
function signature(board: BoardSnapshot): string {
  return JSON.stringify({
    ...board, now: 0,
    roster: board.roster.map((row) => ({ ...row, stuckMs: 0, lastInputAt: row.lastInputAt === undefined ? -1 : Math.floor(row.lastInputAt / IDLE_GRAIN_MS) })),
  });
}

export class WorkshopSockets {
  private readonly service: Workshops;
  private readonly tickets: InstructorTickets;
  private readonly sessions: SessionManager;
  private readonly origins: readonly string[];
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_PAYLOAD_BYTES, perMessageDeflate: false, clientTracking: true });
  private readonly boards = new Map<string, Set<WebSocket>>();
  private readonly sent = new Map<string, string>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly heartbeat: Heartbeat;
  private readonly timers: NodeJS.Timeout[];
  private readonly offChange: () => void;

  constructor(options: { service: Workshops; tickets: InstructorTickets; sessions: SessionManager; allowedOrigins: readonly string[] }) {
    this.service = options.service;
    this.tickets = options.tickets;
    this.sessions = options.sessions;
    this.origins = options.allowedOrigins;
    this.offChange = this.service.onChange((workshop) => this.schedule(workshop));
    this.heartbeat = new Heartbeat(this.wss, HEARTBEAT_MS);
    const refresh = setInterval(() => { for (const workshop of this.boards.keys()) this.push(workshop, false); }, BOARD_REFRESH_MS);
    refresh.unref();
    this.timers = [refresh];
  }

  /** The router's upgrade handler for BOARD_PATH and SHADOW_PATH. */
  readonly upgrade = (req: IncomingMessage, socket: Duplex, head: Buffer, { url }: { url: URL }): void => {
    if (!isAllowedOrigin(req, this.origins)) return refuseUpgrade(socket, 403, 'Forbidden');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname === BOARD_PATH) {
      const board = this.tickets.redeem(ticket, 'board');
      if (!board) return refuseUpgrade(socket, 401, 'Unauthorized');
      return void this.wss.handleUpgrade(req, socket, head, (ws) => this.serveBoard(ws, board.workshop));
    }
    const shadow = this.tickets.redeem(ticket, 'shadow');
    if (!shadow) return refuseUpgrade(socket, 401, 'Unauthorized');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.serveShadow(ws, shadow.seat, shadow.lab));
  };

  private watch(ws: WebSocket): void {
    this.heartbeat.track(ws);
    ws.on('error', () => ws.terminate());
  }

  private serveBoard(ws: WebSocket, workshop: string): void {
    this.watch(ws);
    const set = this.boards.get(workshop) ?? new Set<WebSocket>();
    set.add(ws);
    this.boards.set(workshop, set);
    ws.on('close', () => {
      set.delete(ws);
      if (set.size === 0) {
        this.boards.delete(workshop);
        this.sent.delete(workshop);
      }
    });
    const board = this.snapshot(workshop);
    if (board) ws.send(JSON.stringify({ type: 'board', board }));
  }

  private snapshot(workshop: string): BoardSnapshot | undefined {
    const found = this.service.store.byId(workshop);
    return found && this.service.views.board(found);
  }

  /** Coalesces a burst of changes (a room's checks) into one push. */
  schedule(workshop: string): void {
    if (!this.boards.has(workshop) || this.pending.has(workshop)) return;
    this.pending.set(workshop, setTimeout(() => {
      this.pending.delete(workshop);
      this.push(workshop, true);
    }, BOARD_COALESCE_MS));
  }

  private push(workshop: string, force: boolean): void {
    const clients = this.boards.get(workshop);
    if (!clients?.size) return;
    const board = this.snapshot(workshop);
    if (!board) return;
    const sig = signature(board);
    if (!force && this.sent.get(workshop) === sig) return;
    this.sent.set(workshop, sig);
    const text = JSON.stringify({ type: 'board', board });
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  }

  private serveShadow(ws: WebSocket, seatId: string, lab?: string): void {
    this.watch(ws);
    const seat = this.service.store.seat(seatId);
    const control = (message: ServerControl) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message)); };
    const candidates = this.sessions.all()
      .filter((s) => seat && s.learner === seat.learner && s.state !== 'expired' && (!lab || s.lab.id === lab))
      .sort((a, b) => b.lastInputAt - a.lastInputAt);
    const session = candidates[0];
    if (!seat || !session) {
      control({ type: 'error', code: 'SESSION_GONE', message: `${seat?.name ?? 'This learner'} has no lab open right now. Try again once they started one.` });
      ws.close(4004, 'no lab open');
      return;
    }
    const peer: SessionPeer = {
      output: (data) => { if (ws.readyState === ws.OPEN) ws.send(encodeData(OP_OUTPUT, data)); },
      control,
      close: (reason) => { if (ws.readyState === ws.OPEN) ws.close(1000, reason.slice(0, 120)); },
      backlog: () => ws.bufferedAmount,
    };
    const unwatch = session.watch(peer, WATCHER_NAME);
    ws.on('close', () => {
      unwatch();
      this.service.touch(seat.workshop);
    });
    this.service.touch(seat.workshop);
  }

  close(): void {
    this.offChange();
    this.heartbeat.stop();
    for (const timer of this.timers) clearInterval(timer);
    for (const timer of this.pending.values()) clearTimeout(timer);
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
