/// A table of text cells, rendered as Markdown or HTML, so that both reports show the same figures.
public struct Table: Sendable, Hashable {
    public var caption: String
    public var header: [String]
    public var rows: [[String]]
    /// Columns after the first are numbers (right-aligned).
    public var numeric = true
    /// A line above the table that a reader must not miss (columns that keep different durability promises).
    public var warning: String?

    public init(caption: String, header: [String], rows: [[String]], numeric: Bool = true, warning: String? = nil) {
        self.caption = caption
        self.header = header
        self.rows = rows
        self.numeric = numeric
        self.warning = warning
    }

    public func markdown() -> String {
        var lines: [String] = []
        if let warning { lines += ["> " + warning, ""] }
        if !caption.isEmpty { lines += [caption, ""] }
        lines.append("| " + header.joined(separator: " | ") + " |")
        lines.append("|---|" + header.dropFirst().map { _ in numeric ? "---:" : "---" }.joined(separator: "|") + "|")
        for row in rows { lines.append("| " + row.joined(separator: " | ") + " |") }
        return lines.joined(separator: "\n") + "\n"
    }

    public func html() -> String {
        var text = warning.map { "<p class=\"warning\">\(HTML.inline($0))</p>" } ?? ""
        text += "<table>"
        if !caption.isEmpty { text += "<caption>\(HTML.escape(caption))</caption>" }
        text += "<thead><tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows {
            text += "<tr>" + row.enumerated().map { index, cell in
                index == 0 ? "<th>\(HTML.inline(cell))</th>" : "<td\(numeric ? " class=\"n\"" : "")>\(HTML.inline(cell))</td>"
            }.joined() + "</tr>"
        }
        return text + "</tbody></table>\n"
    }
}

/// Escaping for the HTML report.
enum HTML {
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Escapes, then turns Markdown's **bold** into <strong>.
    static func inline(_ text: String) -> String {
        let parts = escape(text).components(separatedBy: "**")
        return parts.enumerated().map { $0.offset % 2 == 1 ? "<strong>\($0.element)</strong>" : $0.element }.joined()
    }
}

import Foundation
