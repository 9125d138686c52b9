import Foundation
import LessorCore

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// An XML element of an AWS Query API answer: its local name, its text and its children. Built
/// by `parse` with Foundation's XMLParser; external entities are never resolved.
struct AWSXMLElement: Sendable {
    var name: String
    var text: String
    var children: [AWSXMLElement]

    /// The first child named `name`.
    func child(_ name: String) -> AWSXMLElement? { children.first { $0.name == name } }

    /// The element at `path` below this one (`["AssumeRoleResult", "Credentials"]`).
    func element(at path: [String]) -> AWSXMLElement? {
        var current = self
        for name in path {
            guard let next = current.child(name) else { return nil }
            current = next
        }
        return current
    }

    /// The text at `path`, trimmed; nil when the element is missing or empty.
    func text(at path: String...) -> String? {
        guard let found = element(at: path) else { return nil }
        let trimmed = found.text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// The first element named `name` at any depth, this one included, depth first.
    func firstDescendant(named name: String) -> AWSXMLElement? {
        if self.name == name { return self }
        for child in children {
            if let found = child.firstDescendant(named: name) { return found }
        }
        return nil
    }

    /// The document element, or nil when `bytes` is not well-formed XML.
    static func parse(_ bytes: [UInt8]) -> AWSXMLElement? {
        let parser = XMLParser(data: Data(bytes))
        parser.shouldResolveExternalEntities = false
        parser.shouldProcessNamespaces = true
        let builder = TreeBuilder()
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else { return nil }
        return root
    }

    private final class TreeBuilder: NSObject, XMLParserDelegate {
        var stack: [AWSXMLElement] = []
        var root: AWSXMLElement?

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            stack.append(AWSXMLElement(name: elementName, text: "", children: []))
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1].text += string
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            guard let element = stack.popLast() else { return }
            if stack.isEmpty {
                root = element
            } else {
                stack[stack.count - 1].children.append(element)
            }
        }
    }
}
