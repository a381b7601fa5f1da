/** The absolute path of the prebuilt `authcloud-sim` binary for this machine; throws when none fits. */
export function binaryPath(): string
/** npm's name for this platform, as napi-rs spells it: `linux-x64-gnu`, `darwin-arm64`, `win32-x64-msvc`. */
export function platformName(): string
