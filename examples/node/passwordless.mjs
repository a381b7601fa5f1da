// The passwordless flow end to end in Node: register a user's Access App, send a push approval,
// wait for the answer and check the result token.
//
// Run it against the local simulator (`make demo` does this), which also plays the user's phone:
//
//   scripts/with-sim.sh --tls -- node examples/node/passwordless.mjs
//
// The client reads NEVIS_AUTHCLOUD_BASE_URL (or NEVIS_AUTHCLOUD_INSTANCE), NEVIS_AUTHCLOUD_ACCESS_KEY
// and NEVIS_AUTHCLOUD_CA_FILE from the environment. Against a real instance set
// NEVIS_AUTHCLOUD_INSTANCE and a real access key instead, and act in the Access App when asked.
import { readFileSync } from 'node:fs'
import { request } from 'node:https'
import { request as plainRequest } from 'node:http'
import { Client, NevisError } from 'nevis-authcloud'

const simulated = !process.env.NEVIS_AUTHCLOUD_INSTANCE

/** Plays the user's phone through the simulator's control plane (there is none on a real instance). */
async function phone(baseUrl, transactionId, what) {
  if (!simulated) {
    console.log(`[node]    waiting for the user, who ${what} in the Access App …`)
    return
  }
  const url = new URL(`${baseUrl}/_sim/operations/${transactionId}/accept`)
  const ca = process.env.NEVIS_AUTHCLOUD_CA_FILE ? readFileSync(process.env.NEVIS_AUTHCLOUD_CA_FILE) : undefined
  const send = url.protocol === 'https:' ? request : plainRequest
  const status = await new Promise((resolve, reject) => {
    const req = send(url, { method: 'POST', ca, headers: { 'content-type': 'application/json' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode))
    })
    req.on('error', reject)
    req.end('{}')
  })
  if (status !== 200) throw new Error(`the simulated phone could not act: HTTP ${status}`)
  console.log(`[node]    (simulated phone ${what})`)
}

async function main() {
  const client = new Client({ appInfo: 'passwordless-example/1.0' })
  try {
    await client.ping()
    console.log(`[node] 1. ping: service reachable at ${client.baseUrl}`)

    const username = `demo-node-${Date.now()}`
    const enrolment = await client.enroll({ username, channel: 'app' })
    const { enrollment } = enrolment
    if (!enrollment) throw new Error('the enrolment answer has no enrollment part')
    console.log(
      `[node] 2. enrol: user ${username} (${enrolment.userId}) created; show the QR code ` +
        `(${enrollment.qrCode?.dataUri?.length ?? 0} bytes) or open ${enrollment.appLinkUri ?? '-'}`,
    )

    await phone(client.baseUrl, enrollment.transactionId, 'scans the QR code and confirms')
    const wait = { timeout: 60_000, interval: 200 }
    const registered = await client.waitForStatus(enrollment.statusToken, wait)
    console.log(`[node] 3. enrolment status: ${registered.status}`)

    const approval = await client.approve({ channel: 'push', username, prompt: true, message: 'Log in to Demo Shop?' })
    console.log(`[node] 4. approve: push sent (transaction ${approval.transactionId})`)

    await phone(client.baseUrl, approval.transactionId, 'taps Accept')
    const decided = await client.waitForStatus(approval.statusToken, wait)
    console.log(`[node] 5. approval status: ${decided.status}`)
    if (decided.status !== 'succeeded' || !decided.token) throw new Error(`the approval ended as ${decided.status}`)

    const introspection = await client.introspect(decided.token)
    console.log(`[node] 6. introspect: transaction token active=${introspection.active} (subject ${introspection.sub ?? '-'})`)
    if (!introspection.active) throw new Error('the transaction token is not active')
    console.log(`[node] done: ${username} logged in without a password`)
  } finally {
    await client.close()
  }
}

main().catch((err) => {
  const detail = err instanceof NevisError ? `${err.name} [${err.code}]: ${err.message}` : String(err)
  console.error(`[node] passwordless example failed: ${detail}`)
  process.exitCode = 1
})
