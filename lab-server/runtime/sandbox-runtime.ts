/**
 * What the rest of lab-server needs from a container runtime. Only runtime/docker-runtime.ts knows
 * dockerode; sessions, checks and tests speak this interface.
 */
import type { Duplex } from 'node:stream';

export interface SandboxSpec {
  session: string;
  lab: string;
  /** Image reference to start (the content-hash tag of the lab image). */
  image: string;
  /** Epoch milliseconds after which the reaper may remove the sandbox. */
  expiresAt: number;
  /** Capabilities added back on top of CapDrop ALL, as validated in the lab definition. */
  capAdd?: readonly string[];
  /** Name of the session's own internal network to join; no network at all when absent. */
  network?: string;
  /** A Docker lab: a small tmpfs at /run/docker-gate, where the tunnel's relay puts the gate's socket. */
  gate?: boolean;
}

/** A session that has objects in the engine, as the labels say. */
export interface EngineSession {
  session: string;
  expiresAt: number;
}

export interface SandboxHandle {
  id: string;
  session: string;
  lab: string;
}

export interface TerminalProcess {
  /** Raw TTY bytes both ways. */
  stream: Duplex;
  resize(cols: number, rows: number): Promise<void>;
  /** Resolves with the exit code once the process ended. */
  exitCode(): Promise<number | null>;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A long-lived command in a sandbox with its stdin open and its stdout and stderr apart (no TTY). */
export interface SandboxProcess {
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves when the connection to the process ended (it exited, or close() was called). */
  ended: Promise<void>;
  /** Closes the process's stdin and the connection; a process reading its stdin then sees end of file. */
  close(): void;
}

export interface ExecOptions {
  /** Default 5 s; the command's stream is cut when it runs out. */
  timeoutMs?: number;
  /** Output kept, stdout and stderr together; default 64 KiB, the rest is dropped. */
  maxOutputBytes?: number;
}

export interface SandboxRuntime {
  /** Throws EngineUnavailableError with a sentence a newcomer can act on. */
  ping(): Promise<void>;
  /** Whether an image is present in the engine (sandboxes never pull). */
  hasImage(ref: string): Promise<boolean>;
  create(spec: SandboxSpec): Promise<SandboxHandle>;
  /** An interactive login shell as the learner on a TTY, or `command` instead of the shell. */
  openTerminal(sandbox: SandboxHandle, size: { cols: number; rows: number }, command?: readonly string[]): Promise<TerminalProcess>;
  /** A non-interactive command as the learner, never seen in their shell. */
  exec(sandbox: SandboxHandle, command: readonly string[], options?: ExecOptions): Promise<ExecResult>;
  /** A non-interactive command as the learner that keeps running and reads its stdin; never seen in their shell. */
  spawn(sandbox: SandboxHandle, command: readonly string[]): Promise<SandboxProcess>;
  remove(sandbox: SandboxHandle): Promise<void>;
  /** Creates the session's internal (no egress) network and returns its name. */
  createNetwork(session: string, lab: string, expiresAt: number): Promise<string>;
  /** Every session of this instance with a container, network or volume in the engine. */
  engineSessions(): Promise<EngineSession[]>;
  /** Removes every container, network and volume of this instance and session; returns how many. */
  removeSession(session: string): Promise<number>;
  /** Removes every object of this instance; returns how many were removed. */
  removeAll(): Promise<number>;
}
