// Checks on what a caller hands the SDK, made before anything reaches the native addon.
//
// The addon converts JavaScript values with napi, whose errors speak of Rust types ("undefined
// cannot be represented as a serde_json::Value", "Failed to convert ... into rust type `f64`")
// and name no member. So the values JSON cannot carry (functions, symbols, BigInts, NaN,
// Infinity, lone surrogates, cycles) and options of the wrong type are refused here, as the SDK's
// own InvalidRequestError / ConfigurationError naming the member the way the caller wrote it
// (`fido2Options.authenticatorSelection.userVerification`, `channels[0]`, `retryBackoff.initial`).
// The members' types and rules are then the Rust core's, which names members the same way.
// Messages say what was expected and what kind of value was given, never the value itself: it
// may be an access key or a token passed in the wrong place.
'use strict'

const { InvalidRequestError, ConfigurationError } = require('./errors.js')

/** How deeply a request may nest objects and arrays: the core's MAX_REQUEST_DEPTH. */
const MAX_DEPTH = 64

/** What a value is, for "got …": its type, never its content. */
function describe(value) {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  switch (typeof value) {
    case 'undefined':
      return 'undefined'
    case 'boolean':
      return 'a boolean'
    case 'number':
      return Number.isFinite(value) ? 'a number' : String(value)
    case 'bigint':
      return 'a BigInt'
    case 'string':
      return 'a string'
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
    default: {
      const name = Object.getPrototypeOf(value)?.constructor?.name
      return name && name !== 'Object' ? `a ${name}` : 'an object'
    }
  }
}

/** Objects whose own properties are not their content: JSON cannot carry what they hold. */
function isOpaqueObject(value) {
  return (
    value instanceof Date ||
    value instanceof Map ||
    value instanceof Set ||
    value instanceof WeakMap ||
    value instanceof WeakSet ||
    value instanceof RegExp ||
    value instanceof Promise ||
    value instanceof ArrayBuffer ||
    ArrayBuffer.isView(value)
  )
}

function memberPath(base, key) {
  return base === '' ? key : `${base}.${key}`
}

/** The rule a single (non-container) value breaks as JSON data, if any. */
function scalarProblem(value) {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? undefined : `must be a finite number (got ${describe(value)})`
    case 'string':
      return value.isWellFormed() ? undefined : 'must be well-formed Unicode text (got a string with a lone surrogate)'
    case 'boolean':
      return undefined
    default:
      return `must be JSON data: a string, number, boolean, null, array or object (got ${describe(value)})`
  }
}

/**
 * Checks every member of a request object; throws `Failure(path, rule)` through `fail`. Members
 * that are undefined are absent (as in JSON.stringify); the request itself is left to the addon
 * when it is not an object (it says what it got).
 */
function checkMembers(request, fail) {
  const stack = Object.keys(request).map((key) => [key, key, request[key], 1])
  while (stack.length > 0) {
    const [top, path, value, level] = stack.pop()
    if (value === null || value === undefined) continue
    if (typeof value !== 'object') {
      const problem = scalarProblem(value)
      if (problem !== undefined) fail(path, problem)
      continue
    }
    if (isOpaqueObject(value)) fail(path, `must be JSON data: a string, number, boolean, null, array or object (got ${describe(value)})`)
    if (level > MAX_DEPTH) fail(top, `nests objects or arrays deeper than ${MAX_DEPTH} levels`)
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        const itemPath = `${path}[${index}]`
        if (item === undefined) fail(itemPath, 'must be JSON data (got undefined)')
        stack.push([top, itemPath, item, level + 1])
      })
    } else {
      for (const key of Object.keys(value)) {
        if (!key.isWellFormed()) fail(path, 'must have well-formed Unicode member names (got one with a lone surrogate)')
        stack.push([top, memberPath(path, key), value[key], level + 1])
      }
    }
  }
}

function invalid(field, rule) {
  return new InvalidRequestError(`${field}: ${rule}`, { kind: 'invalid_request', field })
}

function configuration(field, rule) {
  return new ConfigurationError(`${field}: ${rule}`, { kind: 'config', field })
}

/** A request, credential or query object: every member must be something JSON can carry. */
function checkRequest(argument, request) {
  if (request === undefined || request === null) return
  if (typeof request !== 'object' || Array.isArray(request) || isOpaqueObject(request)) {
    throw invalid(argument, `must be an object (got ${describe(request)})`)
  }
  checkMembers(request, (path, rule) => {
    throw invalid(path, rule)
  })
}

/** A string argument (a token, an id, a username); undefined and null are left to the addon. */
function checkText(argument, value) {
  if (value === undefined || value === null) return
  if (typeof value !== 'string') throw invalid(argument, `must be a string (got ${describe(value)})`)
  if (!value.isWellFormed()) throw invalid(argument, scalarProblem(value))
}

/** The options of `waitForStatus`. */
function checkWaitOptions(options) {
  if (options === undefined || options === null) return
  if (typeof options !== 'object' || Array.isArray(options)) throw invalid('options', `must be an object (got ${describe(options)})`)
  for (const name of ['timeout', 'interval', 'maxInterval']) {
    const value = options[name]
    if (value !== undefined && value !== null && typeof value !== 'number') {
      throw invalid(name, `must be a number of milliseconds (got ${describe(value)})`)
    }
  }
}

/** An AbortSignal (or undefined for none); anything else is refused naming `signal`. */
function checkSignal(signal) {
  if (signal === undefined || signal === null) return undefined
  if (typeof signal.aborted !== 'boolean' || typeof signal.addEventListener !== 'function') {
    throw invalid('signal', `must be an AbortSignal (got ${describe(signal)})`)
  }
  return signal
}

/** The options bag every call takes last (`{ signal }`); returns its signal, if any. */
function checkCallOptions(options) {
  if (options === undefined || options === null) return undefined
  if (typeof options !== 'object' || Array.isArray(options)) throw invalid('options', `must be an object (got ${describe(options)})`)
  return checkSignal(options.signal)
}

/** The type each option of `new Client({...})` takes. */
const OPTION_TYPES = Object.freeze({
  instance: 'string',
  baseUrl: 'string',
  accessKey: 'string',
  timeout: 'number',
  connectTimeout: 'number',
  deadline: 'number',
  maxRetries: 'number',
  maxConnections: 'number',
  retryBackoff: 'backoff',
  maxRetryAfter: 'number',
  caCerts: 'pem',
  proxy: 'string',
  useEnvProxy: 'boolean',
  appInfo: 'string',
})

function isPem(value) {
  return typeof value === 'string' || Buffer.isBuffer(value) || value instanceof Uint8Array
}

function checkOption(name, type, value) {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') throw configuration(name, `must be a string (got ${describe(value)})`)
      if (!value.isWellFormed()) throw configuration(name, scalarProblem(value))
      return
    case 'number':
      if (typeof value !== 'number') throw configuration(name, `must be a number (got ${describe(value)})`)
      return
    case 'boolean':
      if (typeof value !== 'boolean') throw configuration(name, `must be true or false (got ${describe(value)})`)
      return
    case 'backoff':
      if (typeof value !== 'object' || Array.isArray(value)) {
        throw configuration(name, `must be { initial, max } in milliseconds (got ${describe(value)})`)
      }
      for (const part of ['initial', 'max']) {
        if (value[part] === undefined || value[part] === null)
          throw configuration(`${name}.${part}`, 'is required (a number of milliseconds)')
        if (typeof value[part] !== 'number')
          throw configuration(`${name}.${part}`, `must be a number of milliseconds (got ${describe(value[part])})`)
      }
      return
    case 'pem': {
      const list = Array.isArray(value) ? value : [value]
      list.forEach((pem, index) => {
        const field = Array.isArray(value) ? `${name}[${index}]` : name
        if (!isPem(pem)) throw configuration(field, `must be PEM text or a Buffer of it (got ${describe(pem)})`)
        if (typeof pem === 'string' && !pem.isWellFormed()) throw configuration(field, scalarProblem(pem))
      })
      return
    }
    default:
      return
  }
}

/** The options of `new Client({...})`: each known option must have its type. */
function checkClientOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw configuration('options', `must be an object (got ${describe(options)})`)
  }
  for (const [name, type] of Object.entries(OPTION_TYPES)) {
    const value = options[name]
    if (value !== undefined && value !== null) checkOption(name, type, value)
  }
}

module.exports = { checkRequest, checkText, checkWaitOptions, checkClientOptions, checkCallOptions, checkSignal, describe, MAX_DEPTH }
