import DWTRelayCore
import DWTRelayTestSupport
import DWTSandbox
import Foundation
import Testing

/// Payloads and service responses are AES-GCM encrypted in SQLite; metadata stays queryable.
@Suite struct EncryptionAtRestTests {
    let folder = TemporaryFolder()

    func config() throws -> RelayConfig {
        try RelayConfig(values: [
            "paths.state": folder.sub("state"), "storage.key_file": folder.sub("keys/storage-key"),
        ])
    }

    @Test func payloadsAndResponsesAreUnreadableInTheFileButReadableWithTheKey() throws {
        let config = try config()
        let key = try #require(try StorageKey.load(config: config, create: true))
        var info = stat()
        #expect(stat(config.storageKeyFile, &info) == 0 && info.st_mode & 0o777 == 0o600)
        let store = try MovementStore(path: config.databasePath, key: key)
        let marker = "Receiver-Personal-Name-\(UInt32.random(in: 1000...9999))"
        let body = try TestFixtures.movement(reference: "ENC-1", siteName: marker)
        let item = try MovementIntake(config: config).check(body, source: .submit, sourceFile: "enc.json")
        let id = try store.ingest([item])[0].id
        let claimed = try #require(try store.claimDue(now: Date().timeIntervalSince1970 + 60, limit: 1).first)
        #expect(claimed.payload == body, "the sender gets the plaintext")
        try store.finish(
            id,
            outcome: .rejected(
                errorsJSON: #"[{"key":"receiver.siteName","errorType":"InvalidValue","message":"\#(marker)"}]"#),
            exchange: nil, lastError: "400", now: Date().timeIntervalSince1970)
        store.checkpoint()
        var raw = Data()
        for name in try FileManager.default.contentsOfDirectory(atPath: config.stateDirectory) {
            raw += FileManager.default.contents(atPath: config.stateDirectory + "/" + name) ?? Data()
        }
        #expect(raw.range(of: Data(marker.utf8)) == nil, "personal data must not be in the database file")
        #expect(raw.range(of: Data("ENC-1".utf8)) != nil, "metadata stays queryable")
        let plain = try store.decrypted(try #require(try store.movement(id)))
        #expect(plain.payload == body)
        #expect(plain.errors?.contains(marker) == true)
        #expect(try store.list(state: .rejected).count == 1)
    }

    @Test func missingOrWrongKeyIsAClearError() throws {
        let config = try config()
        let key = try #require(try StorageKey.load(config: config, create: true))
        let store = try MovementStore(path: config.databasePath, key: key)
        let item = try MovementIntake(config: config).check(
            TestFixtures.movement(reference: "K"), source: .submit, sourceFile: "k.json")
        let id = try store.ingest([item])[0].id
        // Without the key: metadata readable, payload not, and nothing can be stored in plaintext.
        let locked = try MovementStore(path: config.databasePath, key: nil)
        #expect(try locked.list().count == 1)
        let missing = #expect(throws: StoreError.self) { try locked.decrypted(try #require(try locked.movement(id))) }
        #expect(missing?.description.contains("restore the key") == true)
        let another = try MovementIntake(config: config).check(
            TestFixtures.movement(reference: "K2"), source: .submit, sourceFile: "k2.json")
        #expect(throws: StoreError.self) { try locked.ingest([another]) }
        // A different key is refused at open.
        let wrong = #expect(throws: StoreError.self) { try MovementStore(path: config.databasePath, key: .generate()) }
        #expect(wrong?.description.contains("does not match") == true)
    }

    @Test func keyFileInsideTheStateFolderIsRefused() throws {
        let config = try RelayConfig(values: [
            "paths.state": folder.sub("state"), "storage.key_file": folder.sub("state/key"),
        ])
        #expect(throws: ConfigError.self) { try StorageKey.load(config: config, create: true) }
    }

    @Test func daemonUsesTheSystemdCredentialFirst() throws {
        let config = try config()
        let credentials = folder.sub("credentials")
        try FileManager.default.createDirectory(atPath: credentials, withIntermediateDirectories: true)
        let raw = Data((0..<32).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
        FileManager.default.createFile(
            atPath: credentials + "/storage-key", contents: Data(raw.utf8), attributes: [.posixPermissions: 0o600])
        let fromCredential = try #require(
            try StorageKey.load(config: config, create: true, environment: ["CREDENTIALS_DIRECTORY": credentials]))
        #expect(
            !FileManager.default.fileExists(atPath: config.storageKeyFile),
            "no key file is created when the credential exists")
        let again = try #require(
            try StorageKey.load(config: config, create: false, environment: ["CREDENTIALS_DIRECTORY": credentials]))
        #expect(fromCredential.id == again.id)
    }

    /// What the service said about a value is sealed with the payload: the plaintext columns (`lastError`,
    /// the event log, status facts, refusals) and the logs carry the key and error type only. Before this,
    /// a message quoting the value (as Joi's default messages do) was stored and logged in plaintext.
    @Test func aServiceMessageQuotingAValueIsSealedNotStoredInPlaintext() async throws {
        var sandbox = SandboxConfiguration()
        sandbox.faults.quoteValuesInErrors = true
        try await RelayHarness.run(sandbox: sandbox) { harness in
            let marker = "QQ\(UInt32.random(in: 100_000...999_999))"
            var body = try #require(
                try JSONSerialization.jsonObject(with: TestFixtures.movement(reference: "SEAL-1")) as? [String: Any])
            var receipt = try #require(body["receipt"] as? [String: Any])
            var address = try #require(receipt["address"] as? [String: Any])
            address["postcode"] = marker
            receipt["address"] = address
            body["receipt"] = receipt
            try harness.drop("seal.json", JSONSerialization.data(withJSONObject: body))
            #expect(await eventually(timeout: 20) { (try? harness.allFinal(count: 1)) == true })
            let movement = try #require(try harness.movement(file: "seal.json"))
            #expect(movement.state == .rejected)
            #expect(movement.lastError == "400 receipt.address.postcode [InvalidFormat]", "key and type, no value")
            let plain = try harness.store.decrypted(movement)
            #expect(plain.errors?.contains("with value \\\"\(marker)\\\"") == true, "the full message is kept, sealed")
            harness.store.checkpoint()
            var raw = Data()
            for name in try FileManager.default.contentsOfDirectory(atPath: harness.config.stateDirectory) {
                raw += FileManager.default.contents(atPath: harness.config.stateDirectory + "/" + name) ?? Data()
            }
            #expect(!raw.isEmpty)
            #expect(raw.range(of: Data(marker.utf8)) == nil, "no payload value in the database file")
            #expect(!harness.logs.text.contains(marker), "no payload value in the logs")
            #expect(harness.logs.text.contains("receipt.address.postcode"), "the key is logged")
        }
    }
}
