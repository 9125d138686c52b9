import LessorCore
import LessorCrypto

/// The byte form of a record: canonical JSON and a newline. A record's `hash` is the SHA-256 of
/// the canonical JSON of all its other members.
enum AuditLine {
    /// Why a line is not a sound record.
    enum Defect: Error, Equatable {
        /// Not JSON, or JSON that is not a record; the text says what.
        case malformed(String)
        /// Valid JSON but not in canonical form: someone edited it.
        case notCanonical
        /// The content does not match its `hash`.
        case hashMismatch
    }

    static func hash(of object: [String: JSONValue]) -> String {
        var unhashed = object
        unhashed["hash"] = nil
        return Hex.lowercase(Digest.sha256(AuditCanonicalJSON.encode(.object(unhashed))))
    }

    /// Reads one line (without its newline) and checks its form and hash.
    static func open(_ line: ArraySlice<UInt8>) -> Result<(AuditRecord, [String: JSONValue]), Defect> {
        let object: [String: JSONValue]
        do {
            guard let parsed = try JSONParser.parse(Array(line)).objectValue else {
                return .failure(.malformed("not a JSON object"))
            }
            object = parsed
        } catch {
            return .failure(.malformed(error.message))
        }
        let record: AuditRecord
        do {
            record = try AuditRecord(json: object)
        } catch {
            return .failure(.malformed(error.message))
        }
        guard record.hash != nil else { return .failure(.malformed("audit record: 'hash' is missing")) }
        guard AuditCanonicalJSON.encode(.object(object)).elementsEqual(line) else { return .failure(.notCanonical) }
        guard hash(of: object) == record.hash else { return .failure(.hashMismatch) }
        return .success((record, object))
    }
}
