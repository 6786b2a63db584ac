import Conformance
import SurgeCore
import Testing
import TestSupport

/// The semantics every backend must share (``ConformanceSuite``, the same checks `surgebench conform` runs), against each
/// built-in backend and each reference driver (see ``StoreFixture/all``).
@Suite("Conformance")
struct ConformanceTests {
    @Test("every conformance check passes", arguments: StoreFixture.all + StoreFixture.referenceDrivers, ConformanceSuite.checks.indices)
    func conformance(fixture: StoreFixture, check index: Int) throws {
        let check = ConformanceSuite.checks[index]
        let failures = check.run { try fixture.openTemporary() }
        #expect(failures.isEmpty, "\(check.name): \(failures.joined(separator: "; "))")
    }
}
