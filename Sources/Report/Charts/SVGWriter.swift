/// A minimal XML writer: elements with attributes in the order given, text escaped, two-space
/// indentation. Attributes are an array of pairs, not a dictionary, so output order is fixed.
struct SVGWriter {
    private(set) var text = ""
    private var depth = 0
    private var stack: [String] = []

    typealias Attributes = [(String, String)]

    private func attributes(_ a: Attributes) -> String {
        a.map { " \($0.0)=\"\(SVGText.escape($0.1))\"" }.joined()
    }

    private mutating func line(_ s: String) {
        text += String(repeating: "  ", count: depth) + s + "\n"
    }

    mutating func open(_ tag: String, _ a: Attributes = []) {
        line("<\(tag)\(attributes(a))>")
        stack.append(tag)
        depth += 1
    }

    mutating func close(_ tag: String) {
        precondition(stack.last == tag, "closing <\(tag)> but the open element is <\(stack.last ?? "none")>")
        stack.removeLast()
        depth -= 1
        line("</\(tag)>")
    }

    /// An element with escaped text content, or empty (`<rect/>`) when `text` is nil.
    mutating func element(_ tag: String, _ a: Attributes = [], text content: String? = nil) {
        if let content {
            line("<\(tag)\(attributes(a))>\(SVGText.escape(content))</\(tag)>")
        } else {
            line("<\(tag)\(attributes(a))/>")
        }
    }

    /// An element whose content is markup already written (and escaped) by the caller.
    mutating func element(_ tag: String, _ a: Attributes, markup: String) {
        line("<\(tag)\(attributes(a))>\(markup)</\(tag)>")
    }
}
