// Types of the ECMAScript-module entry point: the same as the CommonJS one.
export * from './index.js'
import * as sdk from './index.js'
export default sdk
