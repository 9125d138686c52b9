internal import CSodium

/// Comparisons whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// False when the lengths differ (lengths are not secret); otherwise compares every byte with
    /// `sodium_memcmp`.
    public static func equal(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        Sodium.ensureInitialized()
        return withContiguousBytes(a) { a in
            withContiguousBytes(b) { b in
                a.count == b.count && sodium_memcmp(a.baseAddress, b.baseAddress, a.count) == 0
            }
        }
    }
}
