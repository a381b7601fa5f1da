// Compile-only check (`tsc --noEmit --strict`) of `nevis-authcloud/testing`, the helper
// applications use to run their own login flows against the simulator. Never run.
import { startSimulator, findSimulator, type Simulator, SimulatorError } from 'nevis-authcloud/testing'
import type { Client, ClientOptions } from 'nevis-authcloud'

export async function pushLogin(): Promise<boolean> {
  const binary: string = findSimulator()
  const sim: Simulator = await startSimulator({ tls: true, accessKey: 'key', binary, args: ['--log', 'warn'] })
  const options: ClientOptions = sim.clientOptions({ timeout: 5_000 })
  const client: Client = sim.client(options)
  try {
    const base: string = sim.baseUrl
    const ca: string | undefined = sim.caPem
    void base
    void ca
    const { enrollment } = await client.enroll({ username: 'alice', channel: 'push' })
    if (enrollment === undefined) return false
    await sim.accept(enrollment.transactionId, { platform: 'android' })
    const sms = await sim.lastSms('+41791234567').catch((err: unknown) => (err instanceof SimulatorError ? err.status : undefined))
    void sms
    const blocked: Array<'sms' | 'push'> = (await sim.blockUser('31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e', ['push'])).exceededRateLimits
    void blocked
    await sim.unblockUser('31567ae2-8f8b-4b6c-9a0e-2d7c1a3f4b5e')
    await sim.addFault({ method: 'GET', path: '/ping', fault: 'status', status: 503 })
    await sim.clearFaults()
    await sim.reset()
    return (await client.waitForStatus(enrollment.statusToken)).status === 'succeeded'
  } finally {
    await client.close()
    await sim.stop()
  }
}
