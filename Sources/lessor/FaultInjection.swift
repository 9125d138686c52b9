import Foundation
import LessorBroker

/// Kill points for crash tests: in a debug build, `LESSOR_FAULT_KILL_AT=<step>` (an `ExchangeStep`
/// raw value) makes the first exchange that reaches that step kill this process with SIGKILL, as
/// a crash or an OOM kill would. Release builds carry no kill point.
enum FaultInjection {
    static func fromEnvironment() -> (@Sendable (ExchangeStep) async -> Void)? {
        #if DEBUG
            guard let name = ProcessInfo.processInfo.environment["LESSOR_FAULT_KILL_AT"],
                let target = ExchangeStep(rawValue: name)
            else { return nil }
            return { step in
                guard step == target else { return }
                kill(getpid(), SIGKILL)
            }
        #else
            return nil
        #endif
    }
}
