/// The form in which stores keep a lease's lookup key: its SHA-256 as 64 lower-case hexadecimal
/// digits. Stores check it so that a raw key passed by mistake is refused rather than stored.
public enum LookupDigest {
    /// Whether `text` is 64 lower-case hexadecimal digits.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Throws `requestInvalid`, without quoting `text` (it may be a raw key), unless it is well formed.
    public static func require(_ text: String) throws(LessorError) {
        guard isWellFormed(text) else {
            throw LessorError(
                .requestInvalid,
                "a lookup digest must be 64 lower-case hexadecimal digits (a SHA-256); pass the digest, never the key")
        }
    }
}
