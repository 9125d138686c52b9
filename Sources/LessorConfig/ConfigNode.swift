public import LessorCore
public import Yams

/// A YAML node with the file, line and key path it came from, read strictly: unknown keys, wrong
/// types and missing required keys are errors that name where they are and what to write instead.
public struct ConfigNode {
    public let node: Node
    public let file: String
    public let path: String

    public init(node: Node, file: String, path: String = "") {
        self.node = node
        self.file = file
        self.path = path
    }

    /// Parses a whole YAML document.
    public static func load(yaml: String, file: String) throws(LessorError) -> ConfigNode {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw LessorError(.configInvalid, "\(file): not valid YAML: \(error)")
        } catch {
            throw LessorError(.configInvalid, "\(file): not valid YAML")
        }
        guard let node else { throw LessorError(.configInvalid, "\(file): the document is empty") }
        return ConfigNode(node: node, file: file)
    }

    public var line: Int { node.mark?.line ?? 0 }

    /// An error that points at this node.
    public func error(_ message: String) -> LessorError {
        let location = path.isEmpty ? "\(file):\(line)" : "\(file):\(line): \(path)"
        return LessorError(.configInvalid, "\(location): \(message)")
    }

    /// The members of a mapping; any key outside `allowed` is refused.
    public func mapping(allowed: Set<String>) throws(LessorError) -> [String: ConfigNode] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        var members: [String: ConfigNode] = [:]
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else { throw error("keys must be plain strings") }
            let child = ConfigNode(node: value, file: file, path: path.isEmpty ? key.string : "\(path).\(key.string)")
            guard allowed.contains(key.string) else {
                let known = allowed.sorted().joined(separator: ", ")
                throw ConfigNode(node: keyNode, file: file, path: child.path).error(
                    "unknown key '\(key.string)' (known keys: \(known))")
            }
            guard members.updateValue(child, forKey: key.string) == nil else {
                throw ConfigNode(node: keyNode, file: file, path: child.path).error("key '\(key.string)' appears twice")
            }
        }
        return members
    }

    /// The members of a mapping whose keys are data (claim names, say), in file order.
    public func entries() throws(LessorError) -> [(key: String, value: ConfigNode)] {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping") }
        var result: [(key: String, value: ConfigNode)] = []
        for (keyNode, value) in mapping {
            guard case .scalar(let key) = keyNode else { throw error("keys must be plain strings") }
            result.append(
                (
                    key.string,
                    ConfigNode(node: value, file: file, path: path.isEmpty ? key.string : "\(path).\(key.string)")
                ))
        }
        return result
    }

    /// A string, or a list of strings.
    public func oneOrMoreStrings() throws(LessorError) -> [String] {
        if case .sequence = node { return try strings() }
        return [try string()]
    }

    public func sequence() throws(LessorError) -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { ConfigNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    public func string() throws(LessorError) -> String {
        guard case .scalar(let scalar) = node, node.tag.rawValue != Tag.Name.null.rawValue || !scalar.string.isEmpty
        else {
            throw error("expected a string")
        }
        return scalar.string
    }

    public func int(in range: ClosedRange<Int>) throws(LessorError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error("expected a whole number")
        }
        guard range.contains(value) else {
            throw error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    public func bool() throws(LessorError) -> Bool {
        guard case .scalar(let scalar) = node else { throw error("expected true or false") }
        switch scalar.string {
        case "true": return true
        case "false": return false
        default: throw error("expected true or false, got '\(scalar.string)'")
        }
    }

    public func strings() throws(LessorError) -> [String] {
        var result: [String] = []
        for item in try sequence() { result.append(try item.string()) }
        return result
    }

    public func seconds(in range: ClosedRange<Int>) throws(LessorError) -> Duration {
        .seconds(try int(in: range))
    }

    public func milliseconds(in range: ClosedRange<Int>) throws(LessorError) -> Duration {
        .milliseconds(try int(in: range))
    }
}
