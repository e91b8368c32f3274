import Foundation

/// A CSV file's records as a spreadsheet program shows them (RFC 4180: quoted fields, doubled quotes, line
/// breaks inside quotes, CRLF or LF), each with its row number and the bytes it came from, so that refused
/// rows can be handed back exactly as they were written.
///
/// Weighbridge packages on Windows write the ANSI code page more often than UTF-8: a file that is not valid
/// UTF-8 is read as Windows-1252, and the movements say so. The delimiter is the one the header line uses
/// most (comma, semicolon as Excel writes it in many locales, or tab) unless the mapping file names one;
/// Excel's `sep=;` first line is honoured.
///
/// Only where each record starts and ends is kept: its cells are read again when asked for (`record(_:)`),
/// so a 16 MiB export is held once as bytes, not as a hundred thousand rows of strings.
struct CSVTable: Sendable {
    struct Record: Sendable {
        /// 1-based, counting every record from the top of the file (what a spreadsheet shows as the row).
        let row: Int
        let fields: [String]
        /// The record's bytes in the file, line break included.
        let bytes: Range<Int>

        var isBlank: Bool { fields.allSatisfy { $0.trimmingCharacters(in: .whitespaces).isEmpty } }
    }

    enum TextEncoding: String {
        case utf8 = "UTF-8"
        case windows1252 = "Windows-1252"
    }

    /// Where a record is in the file, and its row number.
    struct Span: Sendable {
        let row: Int
        let bytes: Range<Int>
    }

    let spans: [Span]
    let delimiter: UInt8
    let encoding: TextEncoding
    /// The file's bytes (without a byte-order mark), for `raw(_:)`.
    let data: [UInt8]

    init(_ input: Data, delimiter chosen: UInt8? = nil) throws(IntakeRejection) {
        var bytes = [UInt8](input)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
            throw IntakeRejection("file is UTF-16; save the CSV as UTF-8 (or the Windows ANSI code page)")
        }
        if bytes.contains(0) { throw IntakeRejection("file contains NUL bytes; not a CSV text") }
        encoding = String(validating: bytes, as: UTF8.self) != nil ? .utf8 : .windows1252
        var start = 0
        var delimiter = chosen
        // Excel's hint line: `sep=;`.
        if bytes.count >= 5, bytes[0...3].elementsEqual(Array("sep=".utf8)) {
            let end = bytes.firstIndex(of: 0x0A) ?? bytes.count
            delimiter = delimiter ?? bytes[4]
            start = min(end + 1, bytes.count)
        }
        self.delimiter = delimiter ?? Self.guessDelimiter(bytes[start...])
        self.data = bytes
        spans = try Self.split(bytes, from: start, delimiter: self.delimiter)
    }

    var count: Int { spans.count }

    /// The record at `index` with its cells (read from its bytes each time: callers keep what they need).
    func record(_ index: Int) -> Record {
        let span = spans[index]
        return Record(
            row: span.row, fields: Self.cells(data[span.bytes], delimiter: delimiter, encoding: encoding),
            bytes: span.bytes)
    }

    /// Every record, cells read: for small files and tests; a large file is read a record at a time.
    var records: [Record] { spans.indices.map(record) }

    /// The bytes of some records, as written (each ends with its line break; one is added if the last had none).
    func raw(_ chosen: [Span]) -> Data {
        var out = Data()
        for record in chosen {
            out.append(contentsOf: data[record.bytes])
            if data[record.bytes].last != 0x0A { out.append(contentsOf: [0x0D, 0x0A]) }
        }
        return out
    }

    /// The delimiter the first line uses most, outside quotes (comma when it uses none).
    static func guessDelimiter(_ bytes: ArraySlice<UInt8>) -> UInt8 {
        var counts: [UInt8: Int] = [0x2C: 0, 0x3B: 0, 0x09: 0]
        var quoted = false
        for byte in bytes {
            if byte == 0x22 { quoted.toggle() }
            if !quoted && (byte == 0x0A || byte == 0x0D) { break }
            if !quoted, counts[byte] != nil { counts[byte]! += 1 }
        }
        let best = counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }!
        return best.value > 0 ? best.key : 0x2C
    }

    /// Where each record starts and ends, checking the quoting as a spreadsheet program reads it (a quote
    /// never closed, text after a closing quote) without making any cell.
    private static func split(_ bytes: [UInt8], from start: Int, delimiter: UInt8) throws(IntakeRejection) -> [Span] {
        var spans: [Span] = []
        var index = start
        var recordStart = start
        // Excel hides a `sep=` line: the row after it is row 1.
        var row = 1
        var quoted = false
        var quoteOpenedAt = 0
        var afterQuote = false
        var fieldEmpty = true
        func endRecord(at end: Int) {
            spans.append(Span(row: row, bytes: recordStart..<end))
            row += 1
            recordStart = end
            afterQuote = false
            fieldEmpty = true
        }
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                if byte == 0x22 {
                    if index + 1 < bytes.count && bytes[index + 1] == 0x22 {
                        index += 2
                        continue
                    }
                    quoted = false
                    afterQuote = true
                }
                index += 1
                continue
            }
            switch byte {
            case 0x22 where fieldEmpty && !afterQuote:
                quoted = true
                quoteOpenedAt = row
            case delimiter:
                afterQuote = false
                fieldEmpty = true
            case 0x0D where index + 1 < bytes.count && bytes[index + 1] == 0x0A:
                index += 1
                endRecord(at: index + 1)
            case 0x0A, 0x0D:
                endRecord(at: index + 1)
            default:
                if afterQuote && byte != 0x20 {
                    throw IntakeRejection(
                        "row \(row): text after a closing quote; a quote inside a quoted value is written twice (\"\")")
                }
                if !afterQuote { fieldEmpty = false }
            }
            index += 1
        }
        if quoted {
            throw IntakeRejection("row \(quoteOpenedAt): a quoted value is never closed (the file may be cut short)")
        }
        if recordStart < bytes.count { endRecord(at: bytes.count) }
        return spans
    }

    /// The cells of one record's bytes (already checked by `split`), line break dropped.
    private static func cells(_ bytes: ArraySlice<UInt8>, delimiter: UInt8, encoding: TextEncoding) -> [String] {
        func text(_ field: [UInt8]) -> String {
            switch encoding {
            case .utf8: return String(decoding: field, as: UTF8.self)
            case .windows1252:
                return String(data: Data(field), encoding: .windowsCP1252) ?? String(decoding: field, as: UTF8.self)
            }
        }
        var fields: [String] = []
        var field: [UInt8] = []
        var quoted = false
        var afterQuote = false
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if quoted {
                if byte == 0x22 {
                    if index + 1 < bytes.endIndex && bytes[index + 1] == 0x22 {
                        field.append(0x22)
                        index += 2
                        continue
                    }
                    quoted = false
                    afterQuote = true
                } else {
                    field.append(byte)
                }
                index += 1
                continue
            }
            switch byte {
            case 0x22 where field.isEmpty && !afterQuote:
                quoted = true
            case delimiter:
                fields.append(text(field))
                field = []
                afterQuote = false
            case 0x0A, 0x0D:
                break  // only the record's own line break ends it
            default:
                if !afterQuote { field.append(byte) }
            }
            index += 1
        }
        fields.append(text(field))
        return fields
    }
}
