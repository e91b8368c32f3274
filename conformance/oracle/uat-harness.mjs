// Runs Defra's UAT specs for POST /movements/receive (digital-waste-tracking-uat,
// test/specs/WasteMovementExternalAPI/CreateWasteMovement) without their deployed service: a small
// stand-in for Jest registers each test, the UAT's own data builders make each request body, and the
// request is answered by Defra's own validation code (defra-verdict.mjs's rules). Each request becomes
// one conformance case: the body, the UAT's expected status and error list, and the source test.
//
// Usage: node uat-harness.mjs <uat-checkout> <spec files...>  > cases.json
import { pathToFileURL } from 'node:url'
import { receiveMovementInputSchema } from './external-api/src/schemas/receive-movement-input.js'
import { validationErrorFormatter, generateAllValidationWarnings } from 'waste-movement-utils'

const FIXED_NOW = Date.parse('2026-11-02T09:30:00.000Z')
const RealDate = Date
globalThis.Date = class extends RealDate {
  constructor(...args) { super(...(args.length ? args : [FIXED_NOW])) }
  static now() { return FIXED_NOW }
}
globalThis.generatedApiCode = '6f7e1bd8-3a52-4d39-9c7e-2f1d9a0c4b11'
globalThis.testConfig = {}

const quiet = { error() {}, warn() {}, info() {} }
function answer(body) {
  const { error, value } = receiveMovementInputSchema.validate(body, { abortEarly: false })
  if (error) return { statusCode: 400, json: validationErrorFormatter({ details: error.details }, quiet) }
  try {
    const warnings = generateAllValidationWarnings(value, 'uat', quiet)
    return { statusCode: 201, json: warnings.length ? { wasteTrackingId: 'x', validation: { warnings } } : { wasteTrackingId: 'x' } }
  } catch {
    return { statusCode: 500, json: { error: 'Internal Server Error', message: 'Failed to create waste movement' } }
  }
}

// The Jest surface the specs use.
const root = { name: '', tests: [], children: [], beforeEach: [] }
let current = root
let lastAccess = null
let running = null
const describe = (name, fn) => {
  const node = { name, tests: [], children: [], beforeEach: [], parent: current }
  current.children.push(node)
  const saved = current
  current = node
  fn()
  current = saved
}
const it = (name, fn) => current.tests.push({ name, fn, parent: current })
it.each = (table) => (name, fn) => {
  for (const row of table) {
    const args = Array.isArray(row) ? row : [row]
    let title = name
    for (const arg of args) title = title.replace(/%[sdpijo#]/, typeof arg === 'object' ? JSON.stringify(arg) : String(arg))
    if (!Array.isArray(row) && typeof row === 'object') title = title.replace(/\$(\w+)/g, (_, k) => String(row[k]))
    it(title, () => fn(...args))
  }
}
const beforeEach = (fn) => current.beforeEach.push(fn)
const noop = () => {}
function expect(actual) {
  const provenance = lastAccess && lastAccess.value === actual ? lastAccess : null
  lastAccess = null
  const record = (matcher, expected) => {
    if (!running || !provenance || !running.calls.length) return
    const call = running.calls[running.calls.length - 1]
    if (provenance.response !== call.response) return
    if (provenance.field === 'statusCode' && matcher === 'toBe') call.expectedStatus = expected
    if (provenance.field === 'json' && matcher === 'toEqual') call.expectedJson = expected
  }
  // Every matcher records; only toBe on statusCode and toEqual on json carry the case's expectation.
  return new Proxy({}, { get: (_, matcher) => (matcher === 'not' ? new Proxy({}, { get: () => noop }) : (expected) => record(matcher, expected)) })
}
expect.any = (type) => ({ any: type.name })
expect.arrayContaining = (a) => a
expect.objectContaining = (o) => o
expect.stringMatching = (r) => ({ stringMatching: String(r) })
expect.stringContaining = (s) => ({ stringContaining: s })
const jestSurface = { describe, it, test: it, expect, beforeEach, afterEach: noop, beforeAll: noop, afterAll: noop }
// Some specs import these from @jest/globals, others use Jest's injected globals.
Object.assign(globalThis, { __jest: jestSurface }, jestSurface)

function responseFor(body) {
  const verdict = answer(body)
  const response = {}
  for (const field of ['statusCode', 'json']) {
    Object.defineProperty(response, field, { get() { lastAccess = { response, field, value: verdict[field] }; return verdict[field] } })
  }
  response.headers = {}
  return { response, verdict }
}
const api = {
  setAuthToken: noop,
  receiveMovement: async (body) => {
    const copy = JSON.parse(JSON.stringify(body === undefined ? null : body))
    const { response, verdict } = responseFor(body)
    running.calls.push({ body: copy, response, verdict })
    return response
  }
}
globalThis.apis = { wasteMovementExternalAPI: api }

const [, , checkout, ...specs] = process.argv
const cases = []
for (const spec of specs) {
  root.children = []
  root.tests = []
  await import(pathToFileURL(`${checkout}/${spec}`).href)
  const walk = async (node, hooks, names) => {
    const allHooks = [...hooks, ...node.beforeEach]
    const path = node.name ? [...names, node.name] : names
    for (const test of node.tests) {
      running = { calls: [] }
      try {
        for (const hook of allHooks) await hook()
        await test.fn()
      } catch (error) {
        running.calls.push({ harnessError: String(error) })
      }
      running.calls.forEach((call, index) => {
        if (call.harnessError) { process.stderr.write(`${spec}: ${test.name}: ${call.harnessError}\n`); return }
        cases.push({
          source: { file: spec, test: [...path, test.name].join(' > ') + (running.calls.length > 1 ? ` [request ${index + 1}]` : '') },
          body: call.body,
          uat: { status: call.expectedStatus ?? null, errors: call.expectedJson?.validation?.errors ?? null },
          defraCode: { status: call.verdict.statusCode, errors: call.verdict.json?.validation?.errors ?? [], warnings: call.verdict.statusCode === 201 ? (call.verdict.json.validation?.warnings ?? []) : [] }
        })
      })
    }
    for (const child of node.children) await walk(child, allHooks, path)
  }
  await walk(root, [], [])
}
process.stdout.write(JSON.stringify(cases, null, 1) + '\n')
