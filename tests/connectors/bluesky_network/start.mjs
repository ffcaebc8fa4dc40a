// A local AT Protocol network on loopback for the Bluesky connector's tests, built from
// @atproto/dev-env's parts: a PLC directory (in memory), a bsync and an AppView (both on the
// Postgres at DB_POSTGRES_URL), and a PDS that proxies app.bsky.* to that AppView.
// dev-env's TestNetwork also starts Ozone (moderation) and needs Redis: neither is used here.
//
// Prints one JSON line {"pds": URL, "appview": URL, "plc": URL} on stdout once ready, then reads
// commands, one a line, from stdin: "sync" waits until the AppView has indexed every PDS event
// (answers "synced"); end of stdin or SIGTERM closes the network.
import readline from 'node:readline'
import { TestBsky, TestBsync, TestPds, TestPlc, mockNetworkUtilities } from '@atproto/dev-env'
import net from 'node:net'

const freePort = () =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })

// dev-env's servers listen on every interface (`listen(port)`): keep them on loopback.
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' && typeof args[1] !== 'string') args.splice(1, 0, '127.0.0.1')
  else if (typeof args[0] === 'object' && args[0] !== null && args[0].host === undefined) {
    args[0] = { ...args[0], host: '127.0.0.1' }
  }
  return listen.apply(this, args)
}

const dbPostgresUrl = process.env.DB_POSTGRES_URL
if (!dbPostgresUrl) throw new Error('DB_POSTGRES_URL is not set')

const plc = await TestPlc.create({})
const pdsPort = await freePort()
const bsyncApiKey = 'bsync-api-key'
const bsync = await TestBsync.create({ apiKeys: [bsyncApiKey], dbUrl: dbPostgresUrl, dbSchema: 'bsync' })
const bsky = await TestBsky.create({
  plcUrl: plc.url,
  pdsPort,
  bsyncApiKey,
  bsyncUrl: bsync.url,
  repoProvider: `ws://localhost:${pdsPort}`,
  dbPostgresSchema: 'appview',
  dbPostgresUrl,
})
bsync.ctx.dataplaneClients = [bsky.ctx.dataplane]
const pds = await TestPds.create({
  port: pdsPort,
  didPlcUrl: plc.url,
  bskyAppViewUrl: bsky.url,
  bskyAppViewDid: bsky.ctx.cfg.serverDid,
})
mockNetworkUtilities(pds, bsky)

const sync = async () => {
  await pds.processAll()
  const last = await pds.ctx.sequencer.curr()
  const start = Date.now()
  while (last && Date.now() - start < 10000) {
    await bsky.sub.processAll()
    const cursor = await bsky.sub.getCursor()
    if (cursor && cursor >= last) return
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  if (last) throw new Error('the AppView did not index the PDS events within 10 s')
}

let closing = false
const close = async () => {
  if (closing) return
  closing = true
  // A client that keeps a connection alive would hold the servers' close: give them 3 s.
  setTimeout(() => process.exit(0), 3000).unref()
  for (const part of [pds, bsky, bsync, plc]) {
    try {
      await part.close()
    } catch (err) {
      console.error(err)
    }
  }
  process.exit(0)
}
process.on('SIGTERM', close)
process.on('SIGINT', close)

process.stdout.write(JSON.stringify({ pds: pds.url, appview: bsky.url, plc: plc.url }) + '\n')
const lines = readline.createInterface({ input: process.stdin })
for await (const line of lines) {
  if (line.trim() === 'sync') {
    try {
      await sync()
      process.stdout.write('synced\n')
    } catch (err) {
      process.stdout.write(`error ${String(err)}\n`)
    }
  }
}
await close()
