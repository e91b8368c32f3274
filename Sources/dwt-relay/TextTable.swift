import DWTRelayCore
import Foundation

/// Columns padded to line up, as `systemctl list-units` prints them: what a person reads in a terminal.
/// Scripts use `--json` (UTC, stable).
struct TextTable {
    var header: [String]
    var rows: [[String]] = []
    /// Widest a column may grow (longer cells end in `…`); the last column is never cut.
    var maximumWidths: [Int: Int] = [:]

    init(_ header: [String]) { self.header = header }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all =
            [header]
            + rows.map { row in
                row.enumerated().map { index, cell in
                    guard index < header.count - 1, let limit = maximumWidths[index], cell.count > limit else {
                        return cell
                    }
                    return String(cell.prefix(limit - 1)) + "…"
                }
            }
        var widths = Array(repeating: 0, count: header.count)
        for row in all { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[index] - cell.count)
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }

    /// A time as people at a UK site read it: local (GMT or BST) to the minute, the zone named.
    static func ukTime(_ seconds: Double?) -> String { UKTime.minute(seconds) }
}
