import Foundation

extension JSONText {
    /// Parses JSON text as JavaScript's `JSON.parse` reads it where Foundation's parser differs: Foundation
    /// drops a U+FEFF written as itself at the start of a string value (`"\u{FEFF}SKI"` became `"SKI"`, so
    /// a container type Defra refuses passed offline). Written as the escape `\uFEFF` it is kept, and outside
    /// strings those bytes are not JSON either way, so each one is given as the escape before parsing.
    public static func parse(_ data: Data, options: JSONSerialization.ReadingOptions = []) throws -> Any {
        let marks = byteOrderMarks(in: data)
        guard !marks.isEmpty else {
            return try JSONSerialization.jsonObject(with: data, options: options)
        }
        var escaped = Data(capacity: data.count + 3 * marks.count)
        var index = data.startIndex
        for mark in marks {
            escaped.append(data[index..<mark])
            escaped.append(contentsOf: Array("\\uFEFF".utf8))
            index = mark + 3
        }
        escaped.append(data[index...])
        return try JSONSerialization.jsonObject(with: escaped, options: options)
    }

    /// Where U+FEFF's UTF-8 bytes (EF BB BF) begin in `data`, as indices of `data`. Found with `memchr` over
    /// the bytes: `Data.firstRange(of:)`, generic over collections, cost intake with validation on a sixth of
    /// its time in a profile, for a mark almost no file contains.
    static func byteOrderMarks(in data: Data) -> [Data.Index] {
        data.withUnsafeBytes { raw -> [Data.Index] in
            guard let base = raw.baseAddress else { return [] }
            var found: [Data.Index] = []
            var offset = 0
            while offset + 3 <= raw.count,
                let hit = memchr(base + offset, 0xEF, raw.count - offset - 2)
            {
                let at = base.distance(to: UnsafeRawPointer(hit))
                if raw[at + 1] == 0xBB && raw[at + 2] == 0xBF {
                    found.append(data.startIndex + at)
                    offset = at + 3
                } else {
                    offset = at + 1
                }
            }
            return found
        }
    }
}
