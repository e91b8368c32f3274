import Foundation

extension JSONText {
    /// Parses JSON text as JavaScript's `JSON.parse` reads it where Foundation's parser differs: Foundation
    /// drops a U+FEFF written as itself at the start of a string value (`"\u{FEFF}SKI"` became `"SKI"`, so
    /// a container type Defra refuses passed offline). Written as the escape `\uFEFF` it is kept, and outside
    /// strings those bytes are not JSON either way, so each one is given as the escape before parsing.
    public static func parse(_ data: Data, options: JSONSerialization.ReadingOptions = []) throws -> Any {
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        guard data.firstRange(of: mark) != nil else {
            return try JSONSerialization.jsonObject(with: data, options: options)
        }
        var escaped = Data(capacity: data.count + 16)
        var index = data.startIndex
        while let found = data[index...].firstRange(of: mark) {
            escaped.append(data[index..<found.lowerBound])
            escaped.append(contentsOf: Array("\\uFEFF".utf8))
            index = found.upperBound
        }
        escaped.append(data[index...])
        return try JSONSerialization.jsonObject(with: escaped, options: options)
    }
}
