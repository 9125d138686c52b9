/// AWS Query answers as XML, in the `https://sts.amazonaws.com/doc/2011-06-15/` namespace.
enum STSXML {
    static let namespace = "https://sts.amazonaws.com/doc/2011-06-15/"

    /// One element: text, or children.
    indirect enum Node {
        case text(String, String)
        case element(String, [Node])
    }

    /// `<root xmlns=…>children</root>` with an XML declaration.
    static func document(_ root: String, _ children: [Node]) -> String {
        var out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<\(root) xmlns=\"\(namespace)\">"
        for child in children { write(child, into: &out) }
        out += "</\(root)>\n"
        return out
    }

    private static func write(_ node: Node, into out: inout String) {
        switch node {
        case .text(let name, let value):
            out += "<\(name)>\(escaped(value))</\(name)>"
        case .element(let name, let children):
            out += "<\(name)>"
            for child in children { write(child, into: &out) }
            out += "</\(name)>"
        }
    }

    /// Character data with `&`, `<`, `>`, quotes escaped and characters XML 1.0 cannot carry dropped.
    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20, scalar.value != 0xFFFE, scalar.value != 0xFFFF {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
