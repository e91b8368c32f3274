/// How a movement (or refusal) from a CSV file names its source: `tickets.csv.row9`, the file and the row its
/// movement starts on. Also its result file's name (`tickets.csv.row9.result.json`), so it holds no
/// character a Windows share would refuse.
public enum CSVRowPointer {
    public static func make(file: String, row: Int) -> String { "\(file).row\(row)" }

    /// The file and row of a pointer; nil for any other source name.
    public static func parse(_ sourceFile: String) -> (file: String, row: Int)? {
        guard let marker = sourceFile.range(of: ".row", options: .backwards),
            isCSV(String(sourceFile[..<marker.lowerBound])),
            let row = Int(sourceFile[marker.upperBound...])
        else { return nil }
        return (String(sourceFile[..<marker.lowerBound]), row)
    }

    /// Whether a file name is a CSV export's.
    public static func isCSV(_ name: String) -> Bool {
        name.hasSuffix(".csv") || name.hasSuffix(".CSV")
    }

    /// A source name for people: `tickets.csv, row 9` for a pointer, else the name itself.
    public static func display(_ sourceFile: String) -> String {
        parse(sourceFile).map { "\($0.file), row \($0.row)" } ?? sourceFile
    }
}
