// Types of the ECMAScript-module entry point of `nevis-authcloud/testing`.
export * from './testing.js'
import * as testing from './testing.js'
export default testing
