public import Foundation
public import LessorCore
import LessorCrypto
import Synchronization

/// The broker's token signing keys, kept in a directory (`<data-dir>/token-keys/`) so restarts
/// keep them. One key is current and signs; rotated keys stay published until every token they
/// signed has expired, then are pruned. Safe to use from any thread.
public final class TokenSigningKeyring: Sendable {
    private struct State {
        var keys: [String: StoredTokenKey]
        var currentID: String
    }

    private let directory: KeyDirectory
    private let state: Mutex<State>

    /// The directory the keys live in.
    public var path: String { directory.path }

    /// Opens the keyring in `directory`, creating the directory and a first key when there is
    /// none. Refuses a malformed key file, or a directory with two current keys, naming the file.
    public init(directory path: String, now: Date) throws(LessorError) {
        directory = try KeyDirectory(path: path)
        var keys: [String: StoredTokenKey] = [:]
        for name in try directory.entries() {
            if name.hasPrefix("."), name.hasSuffix(".tmp") {
                try directory.remove(name)
                continue
            }
            guard name.hasSuffix(StoredTokenKey.fileSuffix) else { continue }
            let key = try StoredTokenKey.parse(
                try directory.read(name), source: directory.filePath(name), fileName: name)
            keys[key.published.keyID] = key
        }
        let current = keys.values.filter { $0.published.retireAfter == nil }.map(\.published.keyID).sorted()
        guard current.count <= 1 else {
            throw LessorError(
                .configInvalid,
                "\(path): keys \(current.joined(separator: ", ")) are all marked current; give all but one a retire_after"
            )
        }
        let currentID: String
        if let only = current.first {
            currentID = only
        } else {
            let (key, file) = try StoredTokenKey.generate(now: now)
            try directory.writeAtomically(key.fileName, file)
            keys[key.published.keyID] = key
            currentID = key.published.keyID
        }
        state = Mutex(State(keys: keys, currentID: currentID))
    }

    /// The key that signs new tokens.
    public var currentKey: TokenSigningKey { state.withLock { $0.keys[$0.currentID]!.published } }

    /// Every key not yet pruned, current first, then newest first: what JWKS publishes.
    public var publishedKeys: [TokenSigningKey] {
        state.withLock { state in
            state.keys.values.map(\.published).sorted { lhs, rhs in
                if (lhs.retireAfter == nil) != (rhs.retireAfter == nil) { return lhs.retireAfter == nil }
                return (lhs.createdAt, lhs.keyID) > (rhs.createdAt, rhs.keyID)
            }
        }
    }

    /// The published key with this id.
    public func key(id: String) -> TokenSigningKey? { state.withLock { $0.keys[id]?.published } }

    /// Makes a new current key. The previous one stays published until `now + maxTokenLifetime`,
    /// when every token it signed has expired (the engine never signs a token that lives longer).
    /// Keys already past their retirement are pruned. Returns the new current key.
    @discardableResult
    public func rotate(now: Date, maxTokenLifetime: Duration) throws(LessorError) -> TokenSigningKey {
        guard maxTokenLifetime > .zero else {
            throw LessorError(.configInvalid, "the maximum token lifetime must be positive")
        }
        let retireAfter = Date(
            timeIntervalSince1970: now.addingTimeInterval(maxTokenLifetime.timeInterval).timeIntervalSince1970
                .rounded(.up))
        return try state.withLock { (state) throws(LessorError) -> TokenSigningKey in
            let previous = state.keys[state.currentID]!
            // The old key is marked retiring before the new one exists: a crash in between leaves
            // no current key, and the next open simply creates one.
            let source = directory.filePath(previous.fileName)
            let rewritten = try StoredTokenKey.retiring(
                try directory.read(previous.fileName), source: source, after: retireAfter)
            try directory.writeAtomically(previous.fileName, rewritten)
            let retired = TokenSigningKey(
                keyID: previous.published.keyID, publicKey: previous.published.publicKey,
                createdAt: previous.published.createdAt, retireAfter: retireAfter)
            state.keys[retired.keyID] = StoredTokenKey(published: retired, keyPair: previous.keyPair)
            let (key, file) = try StoredTokenKey.generate(now: now)
            try directory.writeAtomically(key.fileName, file)
            state.keys[key.published.keyID] = key
            state.currentID = key.published.keyID
            _ = try Self.prune(&state, directory: directory, now: now)
            return key.published
        }
    }

    /// Removes rotated keys whose retirement time has passed; returns their ids.
    @discardableResult
    public func prune(now: Date) throws(LessorError) -> [String] {
        try state.withLock { (state) throws(LessorError) -> [String] in
            try Self.prune(&state, directory: directory, now: now)
        }
    }

    /// The current key with its secret half, for the engine to sign with.
    var signingKey: StoredTokenKey { state.withLock { $0.keys[$0.currentID]! } }

    private static func prune(_ state: inout State, directory: KeyDirectory, now: Date) throws(LessorError)
        -> [String]
    {
        let due = state.keys.values.filter { key in key.published.retireAfter.map { $0 <= now } ?? false }
            .map(\.published.keyID).sorted()
        for id in due {
            try directory.remove(state.keys[id]!.fileName)
            state.keys[id] = nil
        }
        return due
    }
}

extension Duration {
    /// The duration in seconds, with its fraction.
    var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
