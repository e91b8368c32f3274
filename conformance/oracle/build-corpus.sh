#!/bin/sh
# Rebuilds conformance/defra-corpus.json from Defra's own code. Run by hand when Defra's rules move
# (see conformance/README.md); CI only reads the committed corpus.
#
# Needs: node >= 20, esbuild (Debian: apt-get install esbuild), python3, and git checkouts of the
# repositories pinned in conformance/sources.json, found under $MIRROR/<owner>+<name>/repo (the layout
# the workplace's `fetch` tool makes) — or set MIRROR to a folder laid out the same way.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
MIRROR=${MIRROR:-/work/.mirror}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

pin() { python3 -c "import json,sys; print(json.load(open('$repo/conformance/sources.json'))[sys.argv[1]]['commit'])" "$1"; }
unpack() { # repo-name commit destination [paths...]
    name=$1; commit=$2; dest=$3; shift 3
    mkdir -p "$dest"
    git -C "$MIRROR/$(echo "$name" | tr / +)/repo" archive "$commit" "$@" | tar -x -C "$dest"
}

# Joi and its helpers, at the versions waste-movement-utils' package.json asks for.
nm=$work/node_modules
unpack hapijs/joi "$(pin hapijs/joi)" "$nm/joi"
unpack hapijs/hoek "$(pin hapijs/hoek)" "$nm/@hapi/hoek"
unpack hapijs/topo "$(pin hapijs/topo)" "$nm/@hapi/topo"
unpack hapijs/formula "$(pin hapijs/formula)" "$nm/@hapi/formula"
unpack hapijs/pinpoint "$(pin hapijs/pinpoint)" "$nm/@hapi/pinpoint"
unpack hapijs/address "$(pin hapijs/address)" "$nm/@hapi/address"
unpack hapijs/tlds "$(pin hapijs/tlds)" "$nm/@hapi/tlds"
# Two of them are published from TypeScript: transpile as their own build would.
(cd "$nm/@hapi/address" && esbuild src/*.ts --format=cjs --outdir=dist --log-level=warning)
(cd "$nm/@hapi/tlds" && esbuild src/index.ts --bundle --platform=node --format=cjs \
    --outfile=dist/commonjs/index.js --log-level=warning && echo '{"type":"commonjs"}' >dist/commonjs/package.json)

# Defra's code: the shared schema package (only the validation parts; its index also pulls in test
# helpers and a Mongo client), the external API's input schema, the UAT suite.
unpack DEFRA/waste-movement-utils "$(pin DEFRA/waste-movement-utils)" "$nm/waste-movement-utils"
printf '%s\n' "export * from './schemas/receipt.js'" "export * from './validation-warnings/validation-warnings.js'" \
    "export * from './helpers/validation-error-formatter.js'" >"$nm/waste-movement-utils/src/oracle-index.js"
sed -i 's#"main": "src/index.js"#"main": "src/oracle-index.js"#' "$nm/waste-movement-utils/package.json"
unpack DEFRA/waste-movement-external-api "$(pin DEFRA/waste-movement-external-api)" "$work/external-api" src
unpack DEFRA/digital-waste-tracking-uat "$(pin DEFRA/digital-waste-tracking-uat)" "$work/uat" test

# The UAT suite's service helpers are not needed: requests are answered locally.
helpers=$work/uat/test/support/helpers
echo 'export const authenticateAndSetToken = async () => {}' >"$helpers/auth.js"
echo 'export const addAllureLink = async () => {}' >"$helpers/allure-api-logger.js"
echo 'export const createOrganisationAndGetApiCode = async () => globalThis.generatedApiCode' >"$helpers/organisation.js"
grep -rl "'~/test/" "$work/uat/test" | xargs sed -i "s#'~/test/#'$work/uat/test/#g"
mkdir -p "$nm/@jest/globals"
cp "$here/jest-globals.js" "$nm/@jest/globals/index.js"
echo '{"name":"@jest/globals","type":"module","main":"index.js"}' >"$nm/@jest/globals/package.json"

cp "$here/defra-verdict.mjs" "$here/uat-harness.mjs" "$work/"
cd "$work"
specs=$(cd uat && ls test/specs/WasteMovementExternalAPI/CreateWasteMovement/*.test.js)
# shellcheck disable=SC2086
node uat-harness.mjs "$work/uat" $specs >uat-cases.json 2>uat-skipped.txt
node -e "
  globalThis.generatedApiCode = '6f7e1bd8-3a52-4d39-9c7e-2f1d9a0c4b11'
  import('$work/uat/test/support/test-data-manager.js').then(m => {
    const body = m.generateBaseWasteReceiptData(); body.dateTimeReceived = '2026-11-02T09:30:00.000Z'
    process.stdout.write(JSON.stringify(body)) })" >base.json
python3 "$here/mutations.py" <base.json >probes.json
node defra-verdict.mjs <probes.json >probe-verdicts.json
python3 "$here/assemble.py" "$repo/conformance/sources.json" uat-cases.json probes.json probe-verdicts.json uat-skipped.txt \
    >"$repo/conformance/defra-corpus.json"
echo "wrote $repo/conformance/defra-corpus.json"

# The fuzz corpus: seeded edits of the same base body, each answered by the same code.
seed=${FUZZ_SEED:-20261207}
count=${FUZZ_COUNT:-6000}
python3 "$here/fuzz.py" "$seed" "$count" <base.json >fuzz-cases.json
python3 -c 'import json; print(json.dumps({"base": json.load(open("base.json")), "cases": json.load(open("fuzz-cases.json"))}, ensure_ascii=False))' >fuzz-input.json
python3 "$here/apply-ops.py" <fuzz-input.json >fuzz-bodies.json
node defra-verdict.mjs <fuzz-bodies.json >fuzz-verdicts.json
python3 "$here/assemble-fuzz.py" "$seed" "$repo/conformance/sources.json" base.json fuzz-cases.json fuzz-verdicts.json \
    >"$repo/conformance/fuzz-corpus.json"
echo "wrote $repo/conformance/fuzz-corpus.json ($count cases, seed $seed)"
