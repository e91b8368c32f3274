import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Logging
import Testing

/// `refdata sync` caches the service's lists; `refdata list` prints them; `validate` uses the cache.
@Suite struct ReferenceDataTests {
    @Test func syncCachesTheListsAndValidateUsesTheCache() async throws {
        try await RelayHarness.withSandbox { sandbox, folder in
            let config = try RelayConfig(values: [
                "api.base_url": sandbox.baseURL, "api.token_url": sandbox.tokenURL, "api.client_id": "sandbox-client",
                "api.client_secret_file": folder.sub("secret"), "paths.state": folder.sub("state"),
                "storage.key_file": folder.sub("key"),
            ])
            let path = try RelayProcess.writeConfig(config, in: folder)
            let sync = try await RelayProcess.run(["refdata", "sync", "--config", path])
            #expect(sync.status == 0, "\(sync.err)")
            #expect(sync.out.contains("842 EWC codes"))
            let list = try await RelayProcess.run(["refdata", "list", "container-types", "--config", path])
            #expect(list.out.contains("SKI\t"))
            #expect(list.err.contains("cached from the service"))
            // Replace the cached container list with one that lacks SKI: validate must follow the cache.
            let store = try MovementStore(path: config.databasePath)
            var lists = try #require(try ReferenceDataStore(store: store).cached()).data.raw
            lists["container-types"] = Data(#"[{"code": "BAG", "description": "Bag"}]"#.utf8)
            try ReferenceDataStore(store: store).save(lists, now: Date().timeIntervalSince1970)
            let validate = try await RelayProcess.run([
                "validate", "--config", path, TestFixtures.examplesFolder + "/basic-required-fields-only.json",
            ])
            #expect(validate.status == 1)
            #expect(validate.out.contains("typeOfContainers"))
        }
    }
}
