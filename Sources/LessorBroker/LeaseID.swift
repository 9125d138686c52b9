import Foundation
import LessorCrypto

/// Lease ids: `lease_`, the issue time as 12 lower-case hex digits of Unix milliseconds, then 24
/// random bytes (192 bits) in base64url. The random part makes an id impossible to guess or derive
/// from another. The time part makes ids issued later sort later, so the stores' id-keyed indexes
/// grow at their right edge instead of each new lease dirtying a random page of each
/// (bench/RESULTS.md); it tells no more than the lease's own `issued_at`.
enum LeaseID {
    static func make(at now: Date) -> String {
        let milliseconds = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        let hex = String(milliseconds, radix: 16)
        return "lease_" + String(repeating: "0", count: max(0, 12 - hex.utf8.count)) + hex
            + SecureRandom.identifier(byteCount: 24)
    }
}
