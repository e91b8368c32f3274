import DWTRelayCore
import DWTRelayTestSupport
import Foundation
import Testing

@Suite struct RelayConfigTests {
    func write(_ text: String, in folder: TemporaryFolder) -> String {
        let path = folder.sub("dwt-relay.yaml")
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        return path
    }

    @Test func defaultsFollowTheDesign() throws {
        let config = try RelayConfig.load(path: nil, mustExist: false, environment: [:])
        #expect(config.inbox == "/var/spool/dwt-relay/inbox")
        #expect(config.stateDirectory == "/var/lib/dwt-relay")
        #expect(config.concurrency == 4)
        #expect(config.maxRequestsPerSecond == 100)
        #expect(config.inDoubt == .resend)
        #expect(config.httpListen == "127.0.0.1:8787")
        #expect(config.archive == nil)
    }

    @Test func fileValuesAndEnvironmentOverrides() throws {
        let folder = TemporaryFolder()
        let path = write(
            """
            api:
              client_id: abc
              timeout_seconds: 30
            delivery:
              concurrency: 8
              in_doubt: hold
            paths:
              archive: /tmp/archive
            """, in: folder)
        let config = try RelayConfig.load(
            path: path, mustExist: true, environment: ["DWT_RELAY_DELIVERY_CONCURRENCY": "2"])
        #expect(config.clientID == "abc")
        #expect(config.timeoutSeconds == 30)
        #expect(config.concurrency == 2)
        #expect(config.origins["delivery.concurrency"] == "DWT_RELAY_DELIVERY_CONCURRENCY")
        #expect(config.inDoubt == .hold)
        #expect(config.archive == "/tmp/archive")
    }

    @Test(arguments: [
        ("delivery:\n  concurrancy: 4\n", "delivery.concurrancy"),
        ("delivery:\n  concurrency: four\n", "delivery.concurrency"),
        ("delivery:\n  concurrency: 0\n", "delivery.concurrency"),
        ("delivery:\n  in_doubt: maybe\n", "delivery.in_doubt"),
        ("api: [1, 2]\n", "api"),
        ("colour:\n  red: 1\n", "colour.red"),
    ])
    func wrongKeysAndTypesNameTheKey(yaml: String, key: String) throws {
        let folder = TemporaryFolder()
        let path = write(yaml, in: folder)
        let error = #expect(throws: ConfigError.self) {
            try RelayConfig.load(path: path, mustExist: true, environment: [:])
        }
        #expect(error?.key == key)
        #expect(error?.description.contains(key) == true)
    }

    @Test func badEnvironmentOverrideNamesTheVariable() throws {
        let error = #expect(throws: ConfigError.self) {
            try RelayConfig.load(path: nil, mustExist: false, environment: ["DWT_RELAY_API_TIMEOUT_SECONDS": "soon"])
        }
        #expect(error?.description.contains("DWT_RELAY_API_TIMEOUT_SECONDS") == true)
    }

    @Test func missingExplicitFileIsAnError() {
        #expect(throws: ConfigError.self) {
            try RelayConfig.load(path: "/nonexistent/x.yaml", mustExist: true, environment: [:])
        }
    }

    @Test func secretComesFromCredentialsDirectoryFirstAndIsNeverRendered() throws {
        let folder = TemporaryFolder()
        FileManager.default.createFile(
            atPath: folder.sub("client-secret"), contents: Data("from-credential\n".utf8),
            attributes: [.posixPermissions: 0o600])
        FileManager.default.createFile(
            atPath: folder.sub("file-secret"), contents: Data("from-file".utf8), attributes: [.posixPermissions: 0o600])
        let config = try RelayConfig(values: ["api.client_secret_file": folder.sub("file-secret")])
        #expect(try config.readClientSecret(environment: ["CREDENTIALS_DIRECTORY": folder.path]) == "from-credential")
        #expect(try config.readClientSecret(environment: [:]) == "from-file")
        #expect(!config.render().contains("from-file"))
        #expect(!config.render().contains("from-credential"))
    }

    @Test func worldReadableSecretIsRefused() throws {
        let folder = TemporaryFolder()
        FileManager.default.createFile(
            atPath: folder.sub("secret"), contents: Data("x".utf8), attributes: [.posixPermissions: 0o644])
        let config = try RelayConfig(values: ["api.client_secret_file": folder.sub("secret")])
        let error = #expect(throws: ConfigError.self) { try config.readClientSecret(environment: [:]) }
        #expect(error?.description.contains("chmod 600") == true)
    }

    @Test func renderedYAMLLoadsBackToTheSameValues() throws {
        let folder = TemporaryFolder()
        let config = try RelayConfig(values: [
            "delivery.concurrency": "9", "paths.inbox": "/srv/in box", "delivery.backoff_initial_seconds": "0.5",
        ])
        let path = write(config.renderYAML(), in: folder)
        let loaded = try RelayConfig.load(path: path, mustExist: true, environment: [:])
        #expect(loaded.values == config.values)
    }

    @Test func exampleConfigFileLoadsCleanly() throws {
        let path = TestFixtures.packageRoot + "/Config/dwt-relay.example.yaml"
        let config = try RelayConfig.load(path: path, mustExist: true, environment: [:])
        #expect(config.concurrency == 4)
    }

    /// The example config is the operator's reference: it documents every key of the key table (set, or
    /// shown commented out), and names no key the table does not know.
    @Test func exampleConfigDocumentsEveryKeyAndNoOther() throws {
        let text = try String(
            contentsOfFile: TestFixtures.packageRoot + "/Config/dwt-relay.example.yaml", encoding: .utf8)
        var documented: Set<String> = []
        var section = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if let first = line.first, first.isLetter, line.hasSuffix(":") {
                section = String(line.dropLast())
                continue
            }
            var body = line.drop { $0 == " " }
            guard line.hasPrefix("  "), !line.hasPrefix("    ") else { continue }
            if body.hasPrefix("# ") { body = body.dropFirst(2) }
            guard let colon = body.firstIndex(of: ":") else { continue }
            let key = body[..<colon]
            if !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                documented.insert("\(section).\(key)")
            }
        }
        let table = Set(ConfigKey.all.map(\.name))
        #expect(
            table.subtracting(documented).isEmpty,
            "keys missing from the example: \(table.subtracting(documented).sorted())")
        #expect(
            documented.subtracting(table).isEmpty,
            "unknown keys in the example: \(documented.subtracting(table).sorted())")
    }
}
