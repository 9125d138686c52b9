import Foundation
public import LessorCore
public import Logging
public import ServiceLifecycle
import UnixSignals

/// Reloads the policy directory on SIGHUP and when its files change (checked every `interval` by
/// size and modification time). A bundle that fails validation is refused: the serving bundle stays,
/// the failure is logged at error level with every issue, and readiness shows it.
public struct PolicyReloader: Service {
    let directory: String
    let store: PolicyBundleStore
    let interval: Duration
    let logger: Logger
    /// Passed to `PolicyBundleLoader.load`: a bundle that requires client certificates the server
    /// cannot verify is refused like any other invalid bundle.
    let verifiesClientCertificates: Bool?
    /// Taken at construction, right after the serving bundle was loaded, so a change made before
    /// `run` starts polling is still noticed.
    let initialFingerprint: [String: String]

    public init(
        directory: String, store: PolicyBundleStore, interval: Duration = .seconds(2),
        verifiesClientCertificates: Bool? = nil, logger: Logger
    ) {
        self.directory = directory
        self.verifiesClientCertificates = verifiesClientCertificates
        self.store = store
        self.interval = interval
        self.logger = logger
        initialFingerprint = Self.fingerprint(of: directory)
    }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await _ in signals.cancelOnGracefulShutdown() {
                    logger.info("SIGHUP: reloading policies", metadata: ["directory": "\(directory)"])
                    reload()
                }
            }
            group.addTask {
                var fingerprint = initialFingerprint
                while !Task.isCancelledOrShuttingDown {
                    try await Task.sleep(for: interval)
                    let current = Self.fingerprint(of: directory)
                    if current != fingerprint {
                        fingerprint = current
                        logger.info("policy files changed: reloading", metadata: ["directory": "\(directory)"])
                        reload()
                    }
                }
            }
            try await group.next()
            group.cancelAll()
        }
    }

    /// Loads the directory once; the outcome is installed or recorded, never thrown.
    public func reload() {
        do {
            let bundle = try PolicyBundleLoader.load(
                directory: directory, verifiesClientCertificates: verifiesClientCertificates)
            if store.install(bundle) {
                logger.notice(
                    "policy bundle loaded",
                    metadata: ["digest": "\(bundle.digest)", "commit": "\(bundle.commit ?? "none")"])
            }
        } catch {
            store.recordFailure(error.description)
            logger.error(
                "policy bundle REFUSED; the previous bundle keeps serving",
                metadata: [
                    "directory": "\(directory)", "issues": "\(error.issues.count)",
                    "first": "\(error.issues.first?.description ?? "")",
                ])
            for issue in error.issues { logger.error("policy issue", metadata: ["issue": "\(issue.description)"]) }
        }
    }

    /// Every file's `FileStamp`.
    static func fingerprint(of directory: String) -> [String: String] {
        var result: [String: String] = [:]
        guard let files = FileManager.default.enumerator(atPath: directory) else { return result }
        while let file = files.nextObject() as? String {
            result[file] = FileStamp.of("\(directory)/\(file)")
        }
        return result
    }
}

extension Task where Success == Never, Failure == Never {
    fileprivate static var isCancelledOrShuttingDown: Bool { isCancelled || isShuttingDownGracefully }
}
