const j = () => globalThis.__jest
export const describe = (...a) => j().describe(...a)
export const it = Object.assign((...a) => j().it(...a), { each: (...a) => j().it.each(...a) })
export const test = it
export const expect = Object.assign((...a) => j().expect(...a), { any: (t) => ({ any: t.name }), arrayContaining: (a) => a, objectContaining: (o) => o, stringMatching: (r) => ({ stringMatching: String(r) }), stringContaining: (s) => ({ stringContaining: s }) })
export const beforeEach = (...a) => j().beforeEach(...a)
export const afterEach = () => {}
export const beforeAll = () => {}
export const afterAll = () => {}
