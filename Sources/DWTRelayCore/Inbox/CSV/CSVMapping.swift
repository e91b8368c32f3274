import Foundation

/// A weighbridge package's own CSV export, described for `ReceiptCSV` (`intake.csv_mapping_file`, JSON or
/// YAML): which of its columns is which template column, values every movement or item gets, and the
/// delimiter when it is not the one the header line uses most.
///
///     columns:
///       Ticket No: Your unique reference      # a template heading...
///       Date In: Date received
///       Net kg: wasteItems.weight.amount       # ...or the API path of a template column
///     values:
///       Weight unit of measurement: Kilograms
///       Is the waste weight estimated?: "No"
///     delimiter: ";"
///
/// The template's own headings are always recognised as well, so a file in Defra's layout needs no mapping.
public struct CSVMapping: Sendable, Equatable {
    /// Column heading in the file (as compared by `ReceiptColumn.comparable`) → the column it is.
    var columns: [String: ReceiptColumn] = [:]
    /// Fixed cell text per column, used where a row leaves it empty.
    var values: [ReceiptColumn: String] = [:]
    var delimiter: UInt8?
    public var path: String?

    public init() {}

    /// Reads a mapping file; `key` names the setting in errors.
    public init(path: String, key: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: key, "cannot read \(path)")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), path: path, key: key)
    }

    /// A mapping from its text; `path` and `key` name it in errors.
    init(yaml text: String, path: String = "the mapping", key: String = "intake.csv_mapping_file") throws {
        let parsed = try BoundedYAML.load(text, path: path, key: key)
        guard let object = parsed as? [String: Any] else {
            throw ConfigError(key: key, "\(path) must hold a mapping with columns:, values: or delimiter:")
        }
        for unknown in object.keys where !["columns", "values", "delimiter"].contains(unknown) {
            throw ConfigError(key: key, "\(path): unknown section \"\(unknown)\" (columns, values, delimiter)")
        }
        self.path = path
        if let columns = object["columns"] {
            guard let columns = columns as? [String: Any] else {
                throw ConfigError(key: key, "\(path): columns: must map your headings to template columns")
            }
            for (heading, target) in columns {
                guard let name = target as? String, let column = ReceiptColumn.named(name) else {
                    throw ConfigError(
                        key: key,
                        "\(path): columns: \"\(heading)\" → \"\(target)\" is neither a heading of Defra's template "
                            + "nor the API path of one (e.g. \"Carrier registration number\" or carrier.registrationNumber)"
                    )
                }
                self.columns[ReceiptColumn.comparable(heading)] = column
            }
        }
        if let values = object["values"] {
            guard let values = values as? [String: Any] else {
                throw ConfigError(key: key, "\(path): values: must map template columns to fixed values")
            }
            for (name, value) in values {
                guard let column = ReceiptColumn.named(name) else {
                    throw ConfigError(key: key, "\(path): values: \"\(name)\" is not a column of Defra's template")
                }
                guard column != .yourUniqueReference, column != .wasteTrackingID else {
                    throw ConfigError(key: key, "\(path): values: \"\(name)\" differs for every movement")
                }
                let text: String
                switch value {
                case let bool as Bool: text = bool ? "Yes" : "No"
                case let other: text = "\(other)"
                }
                do {
                    _ = try ReceiptCellParser.value(text, as: column.kind)
                } catch {
                    throw ConfigError(key: key, "\(path): values: \(name): \(error.reason)")
                }
                self.values[column] = text
            }
        }
        if let delimiter = object["delimiter"] {
            let text = (delimiter as? String) == "\\t" ? "\t" : (delimiter as? String ?? "")
            guard text.utf8.count == 1, let byte = text.utf8.first, byte != 0x22, byte != 0x0A, byte != 0x0D else {
                throw ConfigError(key: key, "\(path): delimiter: must be one character, e.g. \",\" \";\" or \"\\t\"")
            }
            self.delimiter = byte
        }
    }
}
