// The request and response types of every operation, in the API's camelCase wire shape.
//
// They describe exactly what the native addon accepts and returns (the core's serde models), so
// an application gets full types without the SDK copying objects into classes. Enumerations list
// the documented values but stay open (`| (string & {})`): Nevis may add values at any time and
// the SDK passes unknown ones through unchanged. Unknown members are passed through too.

/** A documented value or one this version does not know yet. */
export type Open<T extends string> = T | (string & {})

export type Channel = Open<'app' | 'push' | 'sms' | 'fido2' | 'recovery'>
export type OperationStatus = Open<'pending' | 'succeeded' | 'failed' | 'unknown'>
export type UserStatus = Open<'new' | 'active'>
export type AuthenticatorType = Open<'app' | 'fido2'>
export type Platform = Open<'ios' | 'android'>
export type UserVerification = Open<'preferred' | 'required' | 'discouraged'>
export type AuthenticatorAttachment = Open<'platform' | 'cross-platform'>
export type ResidentKey = Open<'discouraged' | 'preferred' | 'required'>
export type Attestation = Open<'none' | 'indirect' | 'direct' | 'enterprise'>
export type IntentOperation = Open<'enroll' | 'approve'>
export type LogStatus = Open<'succeeded' | 'failed'>
export type LogCategory = Open<'registration' | 'authentication' | 'management' | 'none'>
export type LogChannel = Open<'app' | 'push' | 'fido2' | 'sms' | 'recovery' | 'unknown'>
export type ActorType = Open<'api' | 'admin' | 'user' | 'app' | 'unknown'>
export type Fido2ResultStatus = Open<'ok' | 'failed'>

/** Members the SDK does not model, sent or kept as they are. */
export interface Extensible {
  [member: string]: unknown
}

// ---- requests -------------------------------------------------------------------------------

/** What to register, and for whom: exactly one of `username` (created if new) or `userId`. */
export interface EnrollRequest extends Extensible {
  username?: string
  userId?: string
  /** Default `app`. */
  channel?: Channel
  /** Required for `sms`: `+<country><area><local>`. */
  phone?: string
  /** For `sms`: GSM-7 text containing `{{CODE}}`. */
  message?: string
  /** Required for `fido2`: at most 64 bytes. */
  displayName?: string
  fido2Options?: RegistrationFido2Options
  /** Sent as the credential instead of the access key (operation `enroll`); never in the body. */
  intentToken?: string
}

export interface RegistrationFido2Options extends Extensible {
  authenticatorSelection?: AuthenticatorSelection
  attestation?: Attestation
}

/** An approval on `channel`; name the user with `username` or `userId` (at most one). */
export interface ApprovalRequest extends Extensible {
  /** `app`, `push`, `sms` or `fido2`. Absent: not sent, and the service approves by `push`. */
  channel?: Channel
  username?: string
  userId?: string
  /** Default the most recently registered; `*` (app only) any. */
  authenticatorId?: string
  /** Ask for an explicit accept/decline of `message` (transaction signing). */
  prompt?: boolean
  /**
   * app/push: the text to show (and sign), at most 200 characters once Base64-encoded; HTML only as
   * `<html>…</html>` with the tags `b br em i strong u`, without attributes. sms: GSM-7 text
   * containing `{{CODE}}`.
   */
  message?: string
  notificationMessage?: string
  fido2Options?: ApprovalFido2Options
  /** Sent as the credential instead of the access key (operation `approve`). */
  intentToken?: string
}

export interface ApprovalFido2Options extends Extensible {
  userVerification?: UserVerification
}

/** An SMS code (with the `statusToken` of its operation) or a recovery code (`channel: 'recovery'`). */
export interface VerifyRequest extends Extensible {
  /** The user the code belongs to (sent in the path). */
  userId: string
  code: string
  statusToken?: string
  channel?: Channel
  intentToken?: string
}

export interface IntentRequest extends Extensible {
  operation: IntentOperation
  username?: string
  userId?: string
  /** Restrict the token to these channels; all when absent. */
  channels?: Channel[]
}

/** Filters of the log export; give `timespan` or dates, not both. */
export interface LogExportQuery {
  /** Free-text search, at least 2 characters. */
  filter?: string
  /** ISO-8601 UTC timestamps. */
  fromDate?: string
  toDate?: string
  /** ISO-8601 duration such as `P7D`. */
  timespan?: string
  status?: LogStatus
  category?: LogCategory
  channel?: LogChannel
  actorType?: ActorType
}

/** What `navigator.credentials.create()` produced, in WebAuthn's JSON form. */
export interface AttestationRequest extends Extensible {
  type: 'public-key'
  id: string
  response: { clientDataJSON: string; attestationObject: string }
  userFriendlyName?: string
  userAgent?: string
  statusToken?: string
}

/** What `navigator.credentials.get()` produced, in WebAuthn's JSON form. */
export interface AssertionRequest extends Extensible {
  type: 'public-key'
  id: string
  response: { clientDataJSON: string; authenticatorData: string; signature: string; userHandle: string }
  userAgent?: string
  statusToken?: string
}

/** How long and how often `waitForStatus` polls, in milliseconds. */
export interface WaitOptions {
  /** Give up with TimeoutError after this long. Default 300 000. */
  timeout?: number
  /** The first pause between polls. Default 1 000. */
  interval?: number
  /** The longest pause between polls. Default 2 000. */
  maxInterval?: number
  /** Abort the wait: rejects with AbortError at once and stops polling. */
  signal?: AbortSignal
}

// ---- responses ------------------------------------------------------------------------------

export interface User extends Extensible {
  userId: string
  username: string | null
  status: UserStatus
  createdAt?: string
  updatedAt?: string
  lastLoginDateSuccess?: string
  lastLoginDateFailure?: string
  authenticators: Authenticator[]
  phones: Phone[]
  recoveryCodes: RecoveryCodes | null
  /** The channels (`sms`, `push`) whose rate limit blocks the user; absent when not blocked. */
  exceededRateLimits?: Channel[]
}

export interface Authenticator extends Extensible {
  authenticatorId: string
  name?: string
  /** The phone platform (app authenticators). */
  type?: Platform
  authenticatorType: AuthenticatorType
  state?: string
  enrolledAt?: string
  updatedAt?: string
  uaf?: UafInfo
}

export interface UafInfo extends Extensible {
  userAgent?: string
  deviceRef?: string
  userDisabledPushNotification?: boolean
}

export interface Phone extends Extensible {
  phoneId?: string
  phone?: string
  status?: UserStatus
  createdAt?: string
  updatedAt?: string
}

export interface RecoveryCodes extends Extensible {
  /** The plain codes: only in the answer of a `recovery` enrolment, once. */
  codes?: string[]
  createdAt?: string
  remaining?: number
}

export interface QrCode extends Extensible {
  type?: string
  size?: number
  /** `data:image/png;base64,…`, ready for `<img src>`. */
  dataUri?: string
}

export interface Enrollment extends Extensible {
  transactionId: string
  statusToken: string
  qrCode?: QrCode
  appLinkUri?: string
  credentialCreationOptions?: CredentialCreationOptions
}

/** The user (created or found) plus the channel-specific `enrollment` (absent for `recovery`). */
export interface EnrollResponse extends User {
  enrollment?: Enrollment
}

/** The channels whose enrolment starts an operation to confirm: their answer has an `enrollment`. */
export type OperationChannel = 'app' | 'push' | 'sms' | 'fido2'

/**
 * The answer to an enrolment on an `OperationChannel` (or with `channel` left out: `app`): the SDK
 * rejects such an answer without its `enrollment` (a `DecodeError`), so it is always there.
 */
export interface OperationEnrollResponse extends EnrollResponse {
  enrollment: Enrollment
}

export interface ApprovalResponse extends Extensible {
  transactionId: string
  statusToken: string
  userId?: string
  authenticatorId?: string
  qrCode?: QrCode
  appLinkUri?: string
  credentialRequestOptions?: CredentialRequestOptions
}

export interface StatusResponse extends Extensible {
  transactionId?: string
  status: OperationStatus
  userId?: string
  username?: string
  /** The transaction token with the verifiable result: check it with `introspect`. */
  token?: string
  createdAt?: string
  lastUpdatedAt?: string
}

export interface IntentResponse extends Extensible {
  token: string
}

export interface IntrospectResponse extends Extensible {
  /** Trust the token only when true. */
  active: boolean
  iat?: number
  nbf?: number
  exp?: number
  sub?: string
  aud?: string
  iss?: string
  jti?: string
  /** `access`, `status`, `transaction` or `intent`. */
  scope?: string
}

/** The Azure AD B2C view of a user; `userId` is null when the object id matched nobody. */
export interface AzureUser extends Extensible {
  userId: string | null
  username: string | null
  status: UserStatus | null
  createdAt?: string
  updatedAt?: string
  lastLoginDateSuccess?: string
  lastLoginDateFailure?: string
  /** The app authenticators as one JSON text, exactly as the endpoint sends it. */
  authenticators: string
}

export interface LogExport {
  contentType: string | null
  filename: string | null
  /** The CSV. */
  text: string
}

export interface Fido2Result extends Extensible {
  status: Fido2ResultStatus
  errorMessage: string
  token?: string
}

export interface AuthenticatorSelection extends Extensible {
  userVerification?: UserVerification
  authenticatorAttachment?: AuthenticatorAttachment
  residentKey?: ResidentKey
  requireResidentKey?: boolean
}

export interface CredentialDescriptor extends Extensible {
  type: string
  id: string
}

export interface CredentialCreationOptions extends Extensible {
  rp?: { id?: string; name?: string; [member: string]: unknown }
  user?: { id?: string; name?: string; displayName?: string; [member: string]: unknown }
  challenge: string
  pubKeyCredParams: Array<{ alg: number; type: string }>
  timeout?: number
  authenticatorSelection?: AuthenticatorSelection
  attestation?: Attestation
  excludeCredentials: CredentialDescriptor[]
}

export interface CredentialRequestOptions extends Extensible {
  challenge: string
  timeout?: number
  rpId?: string
  allowCredentials: CredentialDescriptor[]
  userVerification?: UserVerification
}
