internal import CSodium

/// libsodium's one-time initialisation. Every entry point that calls libsodium first calls
/// `Sodium.ensureInitialized()`; the lazily initialised static runs `sodium_init` exactly once.
enum Sodium {
    private static let initialized: Bool = sodium_init() >= 0

    static func ensureInitialized() {
        precondition(initialized, "libsodium failed to initialize")
    }
}
