import Foundation

/// Removes secrets from option values before they are printed or published.
public enum Redaction {
    static let placeholder = "<redacted>"
    private static let secretWords = ["password", "passwd", "secret", "token", "credential", "apikey", "api-key"]

    /// The options with every secret value replaced: values of options named like a secret, passwords inside
    /// connection strings (`scheme://user:password@host`) and `password=...` fields inside a value.
    public static func redact(_ options: [String: String]) -> [String: String] {
        var result: [String: String] = [:]
        for (name, value) in options {
            let lowered = name.lowercased()
            result[name] = secretWords.contains(where: lowered.contains) ? placeholder : redact(value: value)
        }
        return result
    }

    /// The options redacted, as `name=value` pairs in name order, or "default options" when there are none.
    public static func describe(_ options: [String: String]) -> String {
        let shown = redact(options).map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        return shown.isEmpty ? "default options" : shown
    }

    /// One value with embedded passwords replaced.
    public static func redact(value: String) -> String {
        var text = value
        // scheme://user:password@host
        if let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@"),
            let colon = text[scheme.upperBound..<at].firstIndex(of: ":")
        {
            text.replaceSubrange(text.index(after: colon)..<at, with: placeholder)
        }
        // key=value fields such as "host=db password=hunter2" or "?password=hunter2&..."
        for word in secretWords {
            var searchStart = text.startIndex
            while let found = text.range(of: word + "=", options: .caseInsensitive, range: searchStart..<text.endIndex) {
                let end = text[found.upperBound...].firstIndex { $0 == " " || $0 == "&" || $0 == ";" } ?? text.endIndex
                text.replaceSubrange(found.upperBound..<end, with: placeholder)
                searchStart = text.index(found.upperBound, offsetBy: placeholder.count)
            }
            // command-line flags such as "--password hunter2" in a driver's command
            searchStart = text.startIndex
            while let found = text.range(of: word + " ", options: .caseInsensitive, range: searchStart..<text.endIndex) {
                searchStart = found.upperBound
                guard found.lowerBound > text.startIndex, text[text.index(before: found.lowerBound)] == "-" else { continue }
                let end = text[found.upperBound...].firstIndex(of: " ") ?? text.endIndex
                text.replaceSubrange(found.upperBound..<end, with: placeholder)
                searchStart = text.index(found.upperBound, offsetBy: placeholder.count)
            }
        }
        return text
    }
}
