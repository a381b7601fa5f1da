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
  // surface.py: begin error-exports (generated from docs/api/surface.json by `make generate`)
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
  TimeoutError,
  ConnectionError,
  TlsError,
  DecodeError,
  InvalidRequestError,
  ConfigurationError,
  AbortError,
  ClientClosedError,
  InternalError,
  // surface.py: end error-exports
  CLASS_BY_KIND,
  errorClassFor,
  fromNative,
} = sdk

export default sdk
