import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat

extension ReceiptClient {
    /// Fetches the five reference lists (`GET /reference-data/...`) and checks each parses.
    public func fetchReferenceData() async throws -> [String: Data] {
        var lists: [String: Data] = [:]
        for kind in ReferenceData.kinds {
            let token: String
            do {
                token = try await tokens.token()
            } catch {
                throw ConfigError(key: "api.token_url", "\(error)")
            }
            var request = HTTPClientRequest(url: baseURL + "/reference-data/" + kind)
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: "application/json")
            let response = try await httpClient.execute(request, timeout: timeout)
            let body = Data(buffer: try await response.body.collect(upTo: 16 << 20))
            guard response.status.code == 200 else {
                throw ConfigError(key: "reference-data/\(kind)", "HTTP \(response.status.code) from the service")
            }
            lists[kind] = body
        }
        _ = try ReferenceData(raw: lists)
        return lists
    }
}

/// The reference data `validate` and intake use: the store's cached copy when there is one, else the bundled.
public enum ReferenceDataSource {
    public static func current(store: MovementStore?) -> (data: ReferenceData, origin: String) {
        if let store, let cached = try? ReferenceDataStore(store: store).cached() {
            return (cached.data, "cached from the service at \(ISO8601.string(cached.fetchedAt))")
        }
        return (.bundled, "bundled with dwt-relay \(RelayVersion.current)")
    }
}
