import DWTRelayCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

extension Sandbox {
    func makeRouter() -> Router<SandboxContext> {
        let router = Router(context: SandboxContext.self)
        router.post("/oauth2/token") { request, context in try await self.token(request, context) }
        router.post("/movements/receive") { request, context in
            try await self.movement(request, context, wasteTrackingId: nil)
        }
        router.put("/movements/:id/receive") { request, context in
            try await self.movement(request, context, wasteTrackingId: context.parameters.get("id") ?? "")
        }
        router.post("/production-approval-tests") { request, context in
            try await self.approvalTests(request, context)
        }
        router.get("/reference-data/:kind") { request, context in
            try await self.referenceData(request, context, kind: context.parameters.get("kind") ?? "")
        }
        addAdminRoutes(router)
        return router
    }

    func json(_ status: HTTPResponse.Status, _ value: Any, expiry: String? = nil, extra: [(String, String)] = [])
        -> Response
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let expiry, let name = HTTPField.Name("service-charge-expiry-date") { headers[name] = expiry }
        for (name, value) in extra { if let name = HTTPField.Name(name) { headers[name] = value } }
        return Response(
            status: status, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: JSONText.encode(value, pretty: false))))
    }

    func drop(_ context: SandboxContext) async -> Response {
        try? await context.channel.close()
        return Response(status: .internalServerError)
    }

    func token(_ request: Request, _ context: SandboxContext) async throws -> Response {
        let faults = await state.faults
        if faults.serviceDown { return await drop(context) }
        if faults.tokenEndpointDown { return json(.serviceUnavailable, ["error": "temporarily_unavailable"]) }
        if faults.tokenEndpointHTML {
            return Response(
                status: .ok, headers: [.contentType: "text/html; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>Please sign in to the proxy</body></html>")))
        }
        let body = try await request.body.collect(upTo: 64 * 1024)
        let form = Self.parseForm(String(buffer: body))
        var id = form["client_id"]
        var secret = form["client_secret"]
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({
                String(decoding: $0, as: UTF8.self)
            }),
            let colon = decoded.firstIndex(of: ":")
        {
            id = String(decoded[..<colon])
            secret = String(decoded[decoded.index(after: colon)...])
        }
        guard form["grant_type"] == "client_credentials" else {
            return json(.badRequest, ["error": "unsupported_grant_type"])
        }
        let configuration = await state.configuration
        guard id == configuration.clientID, secret == configuration.clientSecret else {
            await state.countRefusedTokenRequest()
            return json(.badRequest, ["error": "invalid_client"])
        }
        let issued = await state.issueToken()
        return json(.ok, ["access_token": issued.token, "expires_in": issued.lifetime, "token_type": "Bearer"])
    }

    func authorized(_ request: Request) async -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        return await state.isValid(token: String(header.dropFirst(7)))
    }

    func movement(_ request: Request, _ context: SandboxContext, wasteTrackingId: String?) async throws -> Response {
        let configuration = await state.configuration
        let faults = configuration.faults
        let expiry = configuration.serviceChargeExpiry
        if faults.serviceDown { return await drop(context) }
        if faults.latencyMs > 0 { try await Task.sleep(for: .milliseconds(faults.latencyMs)) }
        if faults.hang { try await Task.sleep(for: .seconds(3600)) }
        guard await authorized(request) else {
            // hapi's answer (Boom) to a request the JWT plugin refuses.
            let message = request.headers[.authorization] == nil ? "Missing authentication" : "Invalid token"
            return json(.unauthorized, Self.boom(401, "Unauthorized", message), expiry: expiry)
        }
        if await state.overRateLimit() {
            return json(.tooManyRequests, ["message": "Too Many Requests"], expiry: expiry)
        }
        if await state.takeImpostorBurst() {
            if faults.impostorAnswer == "empty" { return json(.created, [:], expiry: nil) }
            var headers = HTTPFields()
            headers[.contentType] = "text/html"
            return Response(
                status: .ok, headers: headers,
                body: .init(byteBuffer: ByteBuffer(string: "<html><body>Sign in to the Wi-Fi</body></html>")))
        }
        if await state.takeRateLimitBurst() {
            let retryText = faults.retryAfterHeader ?? faults.retryAfterSeconds.map { String(Int($0.rounded(.up))) }
            let retry = retryText.map { [("Retry-After", $0)] } ?? []
            return json(.tooManyRequests, ["message": "Too Many Requests"], expiry: expiry, extra: retry)
        }
        if faults.errorRate > 0, Double.random(in: 0..<1) < faults.errorRate {
            let status = faults.errorStatuses.randomElement() ?? 500
            return json(.init(code: status), ["message": "injected fault"], expiry: expiry)
        }
        if faults.dropBeforeStoreRate > 0, Double.random(in: 0..<1) < faults.dropBeforeStoreRate {
            return await drop(context)
        }
        let raw = Data(buffer: try await request.body.collect(upTo: context.maxUploadSize))
        guard let body = (try? JSONText.parse(raw)) as? [String: Any] else {
            let error = ValidationIssue("", "InvalidType", "request body must be a JSON object")
            return json(.badRequest, ["validation": ["errors": [error.json]]], expiry: expiry)
        }
        // The service's order: schema validation (400), then the handler's organisation and payment
        // checks, then storing; warnings are computed after storing, and a failure there is a 500 for a
        // movement that is already stored.
        let apiCode = (body["apiCode"] as? String)?.lowercased()
        var warnings: [ValidationIssue] = []
        var storedThenFails = false
        if configuration.validate {
            // Validated as intake reads a body (`JSONNode`, the members in the body's order).
            let report = (try? JSONNode.read(raw))?.node.object.map(validator.validate) ?? validator.validate(body)
            if !report.errors.isEmpty {
                let errors =
                    faults.quoteValuesInErrors ? report.errors.map { Self.quotingValue($0, in: body) } : report.errors
                return json(.badRequest, ["validation": ["errors": errors.map(\.json)]], expiry: expiry)
            }
            warnings = report.warnings
            storedThenFails = report.storedThenFails != nil
        }
        if let apiCode, configuration.unpaidAPICodes.contains(apiCode) {
            return json(
                .init(code: 402, reasonPhrase: "Payment Required"),
                Self.boom(402, "Payment Required", "Payment Required"),
                expiry: "not available")
        }
        if storedThenFails {
            if let wasteTrackingId {
                _ = await state.storePut(id: wasteTrackingId, body: raw)
            } else {
                _ = await state.storePost(
                    body: raw, reference: body["yourUniqueReference"] as? String, apiCode: apiCode)
            }
            // The create handler writes its own 500 body; the update handler's is hapi's.
            let answer: [String: Any] =
                wasteTrackingId == nil
                ? ["error": "Internal Server Error", "message": "Failed to create waste movement"]
                : Self.boom(500, "Internal Server Error", "An internal server error occurred")
            return json(.internalServerError, answer, expiry: expiry)
        }
        var answer: [String: Any] = [:]
        if !warnings.isEmpty { answer["validation"] = ["warnings": warnings.map(\.json)] }
        let status: HTTPResponse.Status
        if let wasteTrackingId {
            let known = await state.storePut(id: wasteTrackingId, body: raw)
            if !known {
                if faults.dropAfterStoreRate > 0, Double.random(in: 0..<1) < faults.dropAfterStoreRate {
                    return await drop(context)
                }
                return json(
                    .notFound, Self.boom(404, "Not Found", "Movement not found; the details have been stored"),
                    expiry: expiry)
            }
            status = .ok
        } else {
            answer["wasteTrackingId"] = await state.storePost(
                body: raw, reference: body["yourUniqueReference"] as? String, apiCode: apiCode)
            status = .created
        }
        if faults.dropAfterStoreRate > 0, Double.random(in: 0..<1) < faults.dropAfterStoreRate {
            return await drop(context)
        }
        return json(status, answer, expiry: expiry)
    }

    /// Defra's PAT endpoint: each scenario ID with the waste tracking ID made for it, answered Pass or Fail.
    func approvalTests(_ request: Request, _ context: SandboxContext) async throws -> Response {
        guard await authorized(request) else {
            return json(.unauthorized, Self.boom(401, "Unauthorized", "Missing authentication"))
        }
        let raw = Data(buffer: try await request.body.collect(upTo: 1 << 20))
        guard let value = try? JSONSerialization.jsonObject(with: raw) else {
            return json(.badRequest, Self.boom(400, "Bad Request", "Invalid request payload JSON format"))
        }
        let errors = ApprovalAssessment.requestErrors(value)
        guard errors.isEmpty, let entries = value as? [[String: Any]] else {
            return json(.badRequest, ["validation": ["errors": errors.map(\.json)]])
        }
        var results: [[String: Any]] = []
        for entry in entries {
            let scenario = entry["scenarioId"] as! String
            let id = entry["wasteTrackingId"] as! String
            let body = await state.body(of: id).flatMap {
                try? JSONSerialization.jsonObject(with: $0) as? [String: Any]
            }
            let failure =
                body.map { ApprovalAssessment.assess(scenario, movement: $0) }
                ?? "No waste movement found with waste tracking id \(id)"
            results.append(
                [
                    "scenarioId": scenario, "wasteTrackingId": id, "status": failure == nil ? "Pass" : "Fail",
                    "message": failure ?? "",
                ])
        }
        return json(.ok, ["submissionId": UUID().uuidString.lowercased(), "results": results])
    }

    func referenceData(_ request: Request, _ context: SandboxContext, kind: String) async throws -> Response {
        if await state.faults.serviceDown { return await drop(context) }
        guard await authorized(request) else { return json(.unauthorized, ["message": "Unauthorized"]) }
        guard let data = await state.configuration.referenceData.raw[kind] else {
            return json(.notFound, ["message": "Not Found"])
        }
        return Response(
            status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// hapi's error body (`@hapi/boom`), the shape of the service's 401, 402 and 404 answers.
    static func boom(_ status: Int, _ error: String, _ message: String) -> [String: Any] {
        ["statusCode": status, "error": error, "message": message]
    }

    static func parseForm(_ text: String) -> [String: String] {
        var form: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map {
                String($0).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            if parts.count == 2 { form[parts[0]] = parts[1] }
        }
        return form
    }

    /// The issue with the value at its key appended, as Joi's default messages quote it.
    static func quotingValue(_ issue: ValidationIssue, in body: [String: Any]) -> ValidationIssue {
        var value: Any? = body
        for part in issue.key.split(separator: ".") {
            if let index = Int(part), let array = value as? [Any] {
                value = index < array.count ? array[index] : nil
            } else {
                value = (value as? [String: Any])?[String(part)]
            }
        }
        guard let value, value is String || value is NSNumber else { return issue }
        var quoted = issue
        quoted.message += " with value \"\(value)\""
        return quoted
    }
}
