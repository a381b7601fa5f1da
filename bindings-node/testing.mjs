// The ECMAScript-module entry point of `nevis-authcloud/testing` (the same objects as testing.js).
import testing from './testing.js'

export const { startSimulator, findSimulator, Simulator, SimulatorError } = testing

export default testing
