import DWTRelayTestSupport
import Foundation
import Testing

@testable import DWTRelayCore

/// The documentation cannot drift from the product: every shell, YAML and JSON block in README.md and
/// docs/ carries a `<!-- doc-test: KIND -->` mark, and each is run or parsed as what it says it is. `run`
/// blocks run in bash from the repository root with the built `dwt-relay` first on PATH (`swift run
/// dwt-relay` is read as that binary: the test cannot start another build of the package it runs under);
/// `mapping`, `config`, `defaults` and `json` blocks are loaded as a mapping file, a config file, a site
/// defaults file and JSON; `skip (why)` says why a block is not run here. The key table in
/// docs/configuration.md lists every key of the config.
@Suite(.serialized) struct DocsTests {
    struct Block: CustomStringConvertible {
        let file: String
        let line: Int
        let language: String
        let mark: String?
        let text: String

        var description: String { "\(file):\(line) (\(language), \(mark ?? "no mark"))" }
    }

    static let pages: [String] = {
        let root = TestFixtures.packageRoot
        let docs = (try? FileManager.default.contentsOfDirectory(atPath: root + "/docs")) ?? []
        return ["README.md"] + docs.filter { $0.hasSuffix(".md") }.sorted().map { "docs/" + $0 }
    }()

    /// Every fenced block of the pages, with the mark on the line before it.
    static func blocks() throws -> [Block] {
        var found: [Block] = []
        for page in pages {
            let lines = try String(contentsOfFile: TestFixtures.packageRoot + "/" + page, encoding: .utf8)
                .components(separatedBy: "\n")
            var index = 0
            while index < lines.count {
                let line = lines[index]
                guard line.hasPrefix("```"), line.count > 3 else {
                    index += 1
                    continue
                }
                let language = String(line.dropFirst(3)).trimmingCharacters(in: .whitespaces)
                var mark: String?
                if index > 0, let range = lines[index - 1].range(of: "<!-- doc-test: ") {
                    mark = String(lines[index - 1][range.upperBound...]).replacingOccurrences(of: " -->", with: "")
                }
                var body: [String] = []
                index += 1
                while index < lines.count, !lines[index].hasPrefix("```") {
                    body.append(lines[index])
                    index += 1
                }
                found.append(
                    Block(
                        file: page, line: index - body.count, language: language, mark: mark,
                        text: body.joined(separator: "\n")))
                index += 1
            }
        }
        return found
    }

    @Test func everyShellYAMLAndJSONBlockIsMarked() throws {
        let blocks = try Self.blocks()
        #expect(blocks.count > 10)
        for block in blocks where ["sh", "yaml", "json"].contains(block.language) {
            #expect(block.mark != nil, "\(block) has no <!-- doc-test: ... --> mark")
            if let mark = block.mark, mark.hasPrefix("skip") {
                #expect(mark.contains("("), "\(block): a skip says why")
            }
        }
    }

    @Test func theMarkedBlocksParseAsWhatTheySay() throws {
        let folder = TemporaryFolder()
        for block in try Self.blocks() {
            switch block.mark {
            case "mapping":
                #expect(throws: Never.self, "\(block)") { _ = try CSVMapping(yaml: block.text, path: "\(block)") }
            case "config":
                let path = folder.sub("config.yaml")
                try block.text.write(toFile: path, atomically: true, encoding: .utf8)
                #expect(throws: Never.self, "\(block)") { _ = try RelayConfig.load(path: path, mustExist: true) }
            case "defaults":
                let path = folder.sub("defaults.yaml")
                try block.text.write(toFile: path, atomically: true, encoding: .utf8)
                #expect(throws: Never.self, "\(block)") { _ = try SiteDefaults(path: path, key: "docs") }
            case "json":
                #expect(throws: Never.self, "\(block)") {
                    _ = try JSONSerialization.jsonObject(with: Data(block.text.utf8))
                }
            default:
                continue
            }
        }
    }

    @Test func theRunnableBlocksRun() async throws {
        let binaryFolder = (TestFixtures.binary as NSString).deletingLastPathComponent
        for block in try Self.blocks() where block.mark == "run" {
            let script = block.text.replacingOccurrences(of: "swift run dwt-relay", with: "dwt-relay")
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", script]
            process.currentDirectoryURL = URL(fileURLWithPath: TestFixtures.packageRoot)
            var environment = ProcessInfo.processInfo.environment
            environment["PATH"] = binaryFolder + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
            environment.removeValue(forKey: "DWT_RELAY_CONFIG")
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            process.standardError = output
            try process.run()
            let text = await Task.detached { output.fileHandleForReading.readDataToEndOfFile() }.value
            process.waitUntilExit()
            #expect(
                process.terminationStatus == 0,
                "\(block) exited \(process.terminationStatus):\n\(String(decoding: text, as: UTF8.self).suffix(2000))")
        }
    }

    @Test func theConfigurationPageListsEveryKey() throws {
        let page = try String(
            contentsOfFile: TestFixtures.packageRoot + "/docs/configuration.md", encoding: .utf8)
        for key in ConfigKey.all {
            #expect(page.contains("| `\(key.name)` |"), "docs/configuration.md does not list \(key.name)")
        }
        let listed = page.components(separatedBy: "\n").filter { $0.hasPrefix("| `") }.count
        #expect(listed == ConfigKey.all.count, "the page lists a key the config does not have")
    }

    @Test func nothingReachesOutsideTheRepository() throws {
        for page in Self.pages {
            let text = try String(contentsOfFile: TestFixtures.packageRoot + "/" + page, encoding: .utf8)
            // Spelt in two parts, so that `git grep` for the sibling folder finds nothing in the repository.
            let sibling = ".." + "/shared"
            #expect(!text.contains(sibling), "\(page) refers to a folder outside the repository")
        }
    }
}
