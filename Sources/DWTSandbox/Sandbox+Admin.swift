import DWTRelayCore
import Foundation
import Hummingbird
import NIOCore

extension Sandbox {
    /// `/admin/...`: what was stored (to prove exactly-once), faults at run time, token revocation, payment.
    func addAdminRoutes(_ router: Router<SandboxContext>) {
        router.get("/admin/movements") { _, _ in
            let listing = await self.state.listing()
            let items: [[String: Any]] = listing.map {
                [
                    "wasteTrackingId": $0.wasteTrackingId, "posts": $0.posts, "puts": $0.puts,
                    "latestBodyHash": $0.latestBodyHash, "yourUniqueReference": $0.yourUniqueReference ?? NSNull(),
                    "apiCode": $0.apiCode ?? NSNull(),
                ]
            }
            return self.json(
                .ok,
                [
                    "movements": items, "posts": listing.reduce(0) { $0 + $1.posts },
                    "puts": listing.reduce(0) { $0 + $1.puts }, "tokenRequests": await self.state.tokenRequests,
                    "movementRequests": await self.state.movementRequests,
                    "unknownIdPuts": await self.state.unknownIDPuts,
                ])
        }
        router.get("/admin/faults") { _, _ in
            let data = try JSONEncoder().encode(await self.state.faults)
            return Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.put("/admin/faults") { request, context in
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let faults = try? JSONDecoder().decode(SandboxFaults.self, from: Data(buffer: body)) else {
                return self.json(.badRequest, ["error": "body must be a JSON object of fault settings"])
            }
            await self.state.setFaults(faults)
            return self.json(.ok, ["ok": true])
        }
        router.post("/admin/revoke-tokens") { _, _ in
            await self.state.revokeAllTokens()
            return self.json(.ok, ["ok": true])
        }
        router.post("/admin/payment") { request, context in
            let body = try await request.body.collect(upTo: 64 * 1024)
            guard let object = (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any],
                let code = object["apiCode"] as? String, let paid = object["paid"] as? Bool
            else {
                return self.json(.badRequest, ["error": "expected {\"apiCode\": \"...\", \"paid\": true|false}"])
            }
            await self.state.setPaid(code.lowercased(), paid: paid)
            return self.json(.ok, ["ok": true])
        }
    }
}
