import Foundation

extension Movement {
    static func parseArray(_ text: String?) -> Any {
        guard let text, let data = text.data(using: .utf8),
            let value = try? JSONSerialization.jsonObject(with: data)
        else { return [Any]() }
        return value
    }
}
