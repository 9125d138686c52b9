internal import COpenSSL

/// Owns one OpenSSL `EVP_PKEY`, shared by the key values that copy it; immutable after init.
/// OpenSSL allows concurrent operations on one key as long as each uses its own context.
final class EVPKey: @unchecked Sendable {
    let pointer: OpaquePointer

    init(takingOwnershipOf pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit { EVP_PKEY_free(pointer) }
}
