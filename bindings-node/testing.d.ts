// Types of `nevis-authcloud/testing`: start the local simulator (authcloud-sim) from a test suite.

import type { Client, ClientOptions } from './index'

/**
 * What the control plane acts on: a transaction id, or the result of `approve` / `enroll` that
 * started the operation (a recovery enrolment, which starts none, is refused with a SimulatorError).
 */
export type SimulatedOperation = string | { transactionId: string } | { enrollment?: { transactionId: string } }

export interface StartSimulatorOptions {
  /** Serve HTTPS with a CA generated at start (its PEM in `caPem`). Default: plain HTTP. */
  tls?: boolean
  /** The access key the simulator accepts (default: the simulator's own). */
  accessKey?: string
  /** The simulator binary; default: findSimulator(). */
  binary?: string
  /** Extra simulator flags, e.g. `['--operation-timeout', '30']`. */
  args?: string[]
}

/** The simulator could not be found or started, or its control plane refused a request. */
export class SimulatorError extends Error {
  /** The HTTP status of a refused control-plane request. */
  readonly status?: number
}

export class Simulator {
  /** The API root, e.g. `http://127.0.0.1:41337`. */
  readonly baseUrl: string
  /** The access key the simulator accepts. */
  readonly accessKey: string
  /** With `tls`: the file holding the simulator's CA certificate. */
  readonly caPath: string | undefined
  /** With `tls`: the simulator's CA certificate (PEM), for `caCerts`. */
  readonly caPem: string | undefined
  /** The options of a `Client` talking to this simulator. */
  clientOptions(extra?: ClientOptions): ClientOptions
  /** A `Client` talking to this simulator (close it when done). */
  client(extra?: ClientOptions): Client
  /** Calls `{baseUrl}/_sim{path}` and resolves its JSON answer (undefined for 204). */
  control(method: string, path: string, body?: unknown): Promise<any>
  /**
   * The user's phone accepts the operation (confirms an app enrolment, accepts a push): a
   * transaction id, or the result of `enroll` / `approve` that started it.
   */
  accept(operation: SimulatedOperation, body?: Record<string, unknown>): Promise<any>
  /** The user's phone declines the operation. */
  decline(operation: SimulatedOperation): Promise<any>
  /** The operation times out now. */
  expire(operation: SimulatedOperation): Promise<any>
  /** The operations the simulator knows, optionally filtered. */
  operations(filters?: Record<string, string>): Promise<any>
  /** The last SMS sent to `phone`: `{ text, code, transactionId, ... }`. */
  lastSms(phone: string): Promise<{ text: string; code?: string; transactionId?: string; [key: string]: unknown }>
  /** The recovery codes of a user. */
  recoveryCodes(userId: string): Promise<any>
  /** Blocks the user as the SMS and/or push rate limit would, until `unblockUser` or `reset`. */
  blockUser(userId: string, channels: Array<'sms' | 'push'>): Promise<{ userId: string; exceededRateLimits: Array<'sms' | 'push'> }>
  /** Lifts every rate-limit block of the user. */
  unblockUser(userId: string): Promise<{ userId: string; exceededRateLimits: Array<'sms' | 'push'> }>
  /** Moves the simulator's virtual clock forward. */
  advanceClock(seconds: number): Promise<any>
  /** Injects a fault, e.g. `addFault({ method: 'GET', path: '/ping', fault: 'status', status: 503 })`. */
  addFault(fault: Record<string, unknown>): Promise<any>
  clearFaults(): Promise<void>
  /** `{ requests, created: {...} }`: what the simulator saw and really created. */
  stats(): Promise<any>
  /** Forgets all users, operations, tokens, faults and counters. */
  reset(): Promise<void>
  /** Stops the simulator and removes its files. */
  stop(): Promise<void>
  [Symbol.asyncDispose](): Promise<void>
}

/** Starts a simulator on a free loopback port. */
export function startSimulator(options?: StartSimulatorOptions): Promise<Simulator>

/**
 * The path of the `authcloud-sim` binary: $AUTHCLOUD_SIM, else the one the `nevis-authcloud-sim`
 * package installed for this platform.
 */
export function findSimulator(): string
