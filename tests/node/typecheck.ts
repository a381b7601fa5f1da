// Compile-only check (`tsc --noEmit --strict`): a server-side use of the whole public API, so the
// hand-written declarations stay complete and precise. Never run; `make test-node` type-checks it.
import {
  Client,
  type ClientOptions,
  type CallOptions,
  type SignalOptions,
  type EnrollResponse,
  type Channel,
  type ApprovalResponse,
  type StatusResponse,
  type IntrospectResponse,
  type User,
  type AzureUser,
  type Authenticator,
  type LogExport,
  type Fido2Result,
  type IntentResponse,
  type ErrorCode,
  type LogRecord,
  type LogLevel,
  setLogger,
  formatRecord,
  NevisError,
  ApiError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  MethodNotAllowedError,
  ConflictError,
  PreconditionFailedError,
  UnsupportedMediaTypeError,
  PayloadTooLargeError,
  RateLimitError,
  ServerError,
  ConnectionError,
  TlsError,
  TimeoutError,
  DecodeError,
  InvalidRequestError,
  ConfigurationError,
  AbortError,
} from 'nevis-authcloud'

export async function everything(signal: AbortSignal): Promise<string[]> {
  const options: ClientOptions = {
    baseUrl: 'http://127.0.0.1:8080',
    accessKey: 'key',
    timeout: 5_000,
    connectTimeout: 1_000,
    deadline: 20_000,
    maxRetries: 2,
    maxConnections: 50,
    retryBackoff: { initial: 100, max: 1_000 },
    maxRetryAfter: 10_000,
    caCerts: [Buffer.from('pem'), 'pem'],
    proxy: 'http://proxy:3128',
    useEnvProxy: false,
    appInfo: 'shop/1.0',
  }
  const client = new Client(options)
  const notes: string[] = [client.baseUrl, String(client.closed), client.toJSON().accessKey]

  // biome-ignore lint/suspicious/noConfusingVoidType: checks that ping is declared to resolve to nothing (Promise<void>)
  const nothing: void = await client.ping()
  const enrolment: EnrollResponse = await client.enroll({ username: 'alice', channel: 'app' })
  const txId: string | undefined = enrolment.enrollment?.transactionId
  const qr: string | undefined = enrolment.enrollment?.qrCode?.dataUri
  // app, push, sms, fido2 (and channel left out: app) always answer with their enrollment ...
  const pushStatusToken: string = (await client.enroll({ username: 'alice', channel: 'push' })).enrollment.statusToken
  const defaultChannelTx: string = (await client.enroll({ username: 'alice' })).enrollment.transactionId
  // ... recovery, or a channel known only at run time, may not.
  const recovery = await client.enroll({ username: 'alice', channel: 'recovery' })
  // @ts-expect-error a recovery enrolment has no enrollment
  const noTx: string = recovery.enrollment.transactionId
  const someChannel: Channel = 'push' as Channel
  // @ts-expect-error the channel is not known to start an operation
  const unknownTx: string = (await client.enroll({ username: 'alice', channel: someChannel })).enrollment.transactionId
  notes.push(pushStatusToken, defaultChannelTx, noTx, unknownTx)
  const approval: ApprovalResponse = await client.approve({ channel: 'push', username: 'alice', prompt: true, message: 'Pay?' })
  const status: StatusResponse = await client.getStatus(approval.statusToken)
  const decided: StatusResponse = await client.waitForStatus(approval.statusToken, { timeout: 60_000, interval: 500, signal })
  if (decided.status === 'succeeded' && decided.token !== undefined) {
    const introspection: IntrospectResponse = await client.introspect(decided.token)
    notes.push(String(introspection.active), introspection.sub ?? '')
  }
  await client.verify({ userId: enrolment.userId, statusToken: approval.statusToken, code: '123456' })
  await client.verify({ userId: enrolment.userId, channel: 'recovery', code: 'abcd-efgh' })
  const intent: IntentResponse = await client.createIntent({ operation: 'approve', username: 'alice', channels: ['push'] })
  await client.approve({ channel: 'push', username: 'alice', intentToken: intent.token })
  // No channel: not sent, the service approves by push.
  const byDefault: ApprovalResponse = await client.approve({ username: 'alice' })
  void byDefault
  const user: User = await client.getUser(enrolment.userId)
  const limits: CallOptions = { timeout: 2000, deadline: 5000, maxRetries: 0, maxRetryAfter: 1000, retryNonIdempotent: false }
  const login: Client = client.withOptions(limits)
  const perCall: SignalOptions = { signal: AbortSignal.timeout(2000) }
  const again: User = await login.getUser(enrolment.userId, perCall)
  await login.ping({ signal: new AbortController().signal })
  void again
  // @ts-expect-error durations are numbers of milliseconds
  client.withOptions({ timeout: '2s' })
  // @ts-expect-error the last argument is an options bag
  void client.ping(AbortSignal.timeout(1))
  const found: User = await client.findUser('alice')
  const firstAuthenticator: Authenticator | undefined = found.authenticators[0]
  const renamed: Authenticator = await client.renameAuthenticator(firstAuthenticator?.authenticatorId ?? '', 'Phone')
  await client.deleteAuthenticator(renamed.authenticatorId)
  const azure: AzureUser = await client.findAadb2cUser('31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e')
  const logs: LogExport = await client.exportLogs({ timespan: 'P7D', status: 'failed', channel: 'push' })
  const allLogs: LogExport = await client.exportLogs()
  const attested: Fido2Result = await client.completeAttestation({
    type: 'public-key',
    id: 'id',
    response: { clientDataJSON: 'e30', attestationObject: 'YQ' },
    statusToken: 'token',
  })
  const asserted: Fido2Result = await client.completeAssertion({
    type: 'public-key',
    id: 'id',
    response: { clientDataJSON: 'e30', authenticatorData: 'YQ', signature: 'cw', userHandle: 'dQ' },
  })
  await client.deleteUser(user.userId)
  notes.push(String(nothing), txId ?? '', qr ?? '', status.status, azure.userId ?? 'none', logs.text, allLogs.filename ?? '')
  notes.push(attested.status, asserted.token ?? '', user.recoveryCodes?.remaining?.toString() ?? '')

  try {
    await client.findUser('bob')
  } catch (err) {
    if (err instanceof RateLimitError) notes.push(String(err.retryAfter ?? 0))
    else if (err instanceof NotFoundError) notes.push(err.path ?? '', String(err.status))
    else if (err instanceof ApiError)
      notes.push(err.error ?? '', String(err.timestamp), err.body ?? '', err.apiMessage ?? '', String(err.rawBody()?.length ?? 0))
    else if (err instanceof TimeoutError || err instanceof AbortError) notes.push(err.lastStatus?.status ?? '')
    else if (err instanceof InvalidRequestError || err instanceof ConfigurationError) notes.push(err.field ?? '')
    if (err instanceof NevisError) {
      const code: ErrorCode | 'internal' | (string & {}) = err.code
      notes.push(code, err.mayHaveBeenApplied, String(err.retryable), String(err.attempts))
    }
  }
  const classes = [
    BadRequestError,
    AuthenticationError,
    PermissionDeniedError,
    MethodNotAllowedError,
    ConflictError,
    PreconditionFailedError,
    UnsupportedMediaTypeError,
    PayloadTooLargeError,
    ServerError,
    ConnectionError,
    TlsError,
    DecodeError,
  ]
  notes.push(...classes.map((Class) => Class.name))

  await client[Symbol.asyncDispose]()
  await client.close()
  return notes
}

export function logging(lines: string[]): void {
  const level: LogLevel = 'debug'
  setLogger(
    (record: LogRecord) => {
      const attempt: string | number | boolean | undefined = record.fields.attempt
      lines.push(`${record.level} ${record.target} ${formatRecord(record)} ${String(attempt)}`)
    },
    { level },
  )
  setLogger(() => {})
  setLogger(null)
}

// @ts-expect-error: levels are the five names
setLogger(() => {}, { level: 'verbose' })
// @ts-expect-error: a logger takes a record
setLogger((record: string) => void record)
// @ts-expect-error: a channel is a name, not a number
void new Client().approve({ username: 'alice', channel: 5 })
// @ts-expect-error: durations are numbers of milliseconds
void new Client({ timeout: '5s' })
