// The ECMAScript-module entry point: the same classes as the CommonJS one (so `instanceof` works
// whichever way an application or its dependencies load the SDK), as named exports.
import sdk from './index.js'

export const {
  Client,
  setLogger,
  formatRecord,
  CHANNEL_NAMES,
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
  ClientClosedError,
  InternalError,
  CLASS_BY_KIND,
  errorClassFor,
  fromNative,
} = sdk

export default sdk
