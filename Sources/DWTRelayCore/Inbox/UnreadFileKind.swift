import Foundation

/// What a file dwt-relay does not read looks like, from its name and first bytes, so that its refusal says
/// what to do ("save it as CSV") rather than only that it was refused.
enum UnreadFileKind: Equatable {
    case xml, excelWorkbook, oldExcelWorkbook, pdf, text, empty, binary

    init(name: String, head: [UInt8]) {
        let lower = name.lowercased()
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let firstVisible = bytes.first { !(" \t\r\n" as String).utf8.contains($0) }
        if head.isEmpty {
            self = .empty
        } else if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            self = .excelWorkbook  // a zip: .xlsx, .ods and .docx are zips
        } else if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
            self = .oldExcelWorkbook
        } else if head.starts(with: Array("%PDF".utf8)) {
            self = .pdf
        } else if firstVisible == UInt8(ascii: "<") || lower.hasSuffix(".xml") {
            self = .xml
        } else if head.contains(0) {
            self = .binary
        } else {
            self = .text
        }
    }

    var description: String {
        switch self {
        case .xml: return "XML"
        case .excelWorkbook: return "a spreadsheet workbook (.xlsx or .ods)"
        case .oldExcelWorkbook: return "an Excel 97-2003 workbook (.xls)"
        case .pdf: return "a PDF"
        case .text: return "plain text"
        case .empty: return "an empty file"
        case .binary: return "binary data"
        }
    }

    var advice: String {
        switch self {
        case .excelWorkbook, .oldExcelWorkbook:
            return "Save the sheet as \"CSV UTF-8 (comma delimited)\" and drop the .csv file."
        case .xml, .text:
            return "Set the weighbridge software to write JSON or CSV tickets (docs/integrating.md says how), or "
                + "say what its fields mean in intake.mapping_file to have its XML or flat JSON tickets read."
        case .pdf, .binary, .empty:
            return "This is not a ticket: check what the weighbridge software writes into the inbox."
        }
    }
}
