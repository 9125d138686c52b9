import Foundation
import LessorCore
import LessorEngines
import Logging
import ServiceLifecycle

/// Rotates the token engine's signing key once it is older than `every`, and prunes retired keys
/// (the previous key stays published until every token it signed has expired). Checked every
/// minute, so a restart never delays a rotation by more than that.
struct TokenKeyRotation: Service {
    let engine: TokenEngine
    let every: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let now = Date()
            do {
                if now.timeIntervalSince(engine.keyring.currentKey.createdAt) >= Double(every.components.seconds) {
                    let key = try engine.keyring.rotate(now: now, maxTokenLifetime: engine.maxTokenLifetime)
                    logger.notice("token signing key rotated", metadata: ["kid": "\(key.keyID)"])
                }
                let pruned = try engine.keyring.prune(now: now)
                if !pruned.isEmpty {
                    logger.info(
                        "retired token signing keys removed", metadata: ["kids": "\(pruned.joined(separator: ","))"])
                }
            } catch {
                logger.error(
                    "token key rotation failed; the current key keeps signing", metadata: ["code": "\(error.code)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(60)) }
        }
    }
}
