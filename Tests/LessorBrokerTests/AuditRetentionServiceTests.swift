import Foundation
import LessorAudit
import LessorCore
import Testing

@testable import lessor

@Suite("Audit retention follows each tenant's class")
struct AuditRetentionServiceTests {
    @Test("Declared tenants keep their class's retention; others and global records keep the longest")
    func retentionByClass() async throws {
        let fixture = try BrokerFixture()
        let retention = AuditRetentionService.retention(fixture.policies.current)
        #expect(retention.tenants["acme"] == .seconds(90 * 86_400))
        #expect(retention.tenants["initech"] == .seconds(30 * 86_400))
        #expect(retention.defaultTenant == .seconds(90 * 86_400))
        #expect(retention.global == .seconds(90 * 86_400))
        await fixture.cleanUp()
    }
}
