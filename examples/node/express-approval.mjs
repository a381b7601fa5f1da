// A minimal Express route that logs a user in with a push approval: it starts the approval,
// waits for the phone (aborting the wait if the browser disconnects) and checks the result token.
//
//   npm install express ./bindings-node
//   NEVIS_AUTHCLOUD_INSTANCE=... NEVIS_AUTHCLOUD_ACCESS_KEY=... node examples/node/express-approval.mjs
//   curl -X POST localhost:3000/login/alice
//
// express is a dependency of this example only, not of the SDK.
import express from 'express'
import { Client, NotFoundError, TimeoutError, AbortError, NevisError } from 'nevis-authcloud'

// One client per process: it is safe to share and keeps one connection pool.
const nevis = new Client({ appInfo: 'express-example/1.0' })
const app = express()

app.post('/login/:username', async (req, res) => {
  const gone = new AbortController()
  res.on('close', () => gone.abort())
  try {
    const approval = await nevis.approve({
      channel: 'push',
      username: req.params.username,
      prompt: true,
      message: 'Log in to the Express demo?',
    })
    const status = await nevis.waitForStatus(approval.statusToken, { timeout: 120_000, signal: gone.signal })
    if (status.status !== 'succeeded' || !status.token) return res.status(401).json({ result: status.status })
    const result = await nevis.introspect(status.token)
    if (!result.active) return res.status(401).json({ result: 'inactive token' })
    res.json({ result: 'logged in', userId: status.userId })
  } catch (err) {
    if (err instanceof AbortError) return // the browser went away; nothing to answer
    if (err instanceof NotFoundError) return res.status(404).json({ error: 'unknown user' })
    if (err instanceof TimeoutError) return res.status(408).json({ error: 'no answer from the phone' })
    const code = err instanceof NevisError ? err.code : 'internal'
    res.status(502).json({ error: code })
  }
})

const port = Number(process.env.PORT ?? 3000)
const server = app.listen(port, () => console.log(`[node] express example on http://127.0.0.1:${port}`))
process.on('SIGTERM', async () => {
  server.close()
  await nevis.close()
})
