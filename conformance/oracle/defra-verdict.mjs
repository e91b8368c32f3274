// Answers, for each request body, what Defra's external API answers to POST /movements/receive:
// the status class, the validation errors in the service's {key, errorType, message} form, and the
// warnings. It runs Defra's own code (waste-movement-utils' Joi schema, warning generators and error
// formatter; the external API's input schema fork), so it is the oracle our Swift rules are checked
// against. See conformance/README.md for how node_modules is assembled from the mirrored repositories.
//
// Input (stdin): JSON array of {id, body}. Output (stdout): JSON array of {id, status, errors, warnings}.
import { readFileSync } from 'node:fs'
import { receiveMovementInputSchema } from './external-api/src/schemas/receive-movement-input.js'
import {
  validationErrorFormatter,
  generateAllValidationWarnings
} from 'waste-movement-utils/src/oracle-index.js'

const quietLogger = { error() {}, warn() {}, info() {} }
const cases = JSON.parse(readFileSync(0, 'utf8'))
const verdicts = cases.map(({ id, body }) => {
  // hapi route validation: { abortEarly: false }, failAction rethrows, the error handler formats.
  const { error, value } = receiveMovementInputSchema.validate(body, { abortEarly: false })
  if (error) {
    const formatted = validationErrorFormatter({ details: error.details }, quietLogger)
    return { id, status: 400, errors: formatted.validation.errors, warnings: [] }
  }
  // The handler stores the movement first, then generates warnings from the validated payload; a
  // throw there is caught and answered 500 (the movement is already stored).
  try {
    const warnings = generateAllValidationWarnings(value, 'oracle', quietLogger)
    return { id, status: 201, errors: [], warnings }
  } catch {
    return { id, status: 500, errors: [], warnings: [] }
  }
})
process.stdout.write(JSON.stringify(verdicts, null, 1) + '\n')
