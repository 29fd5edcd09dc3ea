@testable import ClassifierService
import XCTest

final class CPUBudgetTests: XCTestCase {
    func testAffinityListsAreCounted() {
        XCTAssertEqual(CPUBudget.affinityCount(procStatus: "Name:\tx\nCpus_allowed_list:\t0-3,8,10-11\n"), 7)
        XCTAssertEqual(CPUBudget.affinityCount(procStatus: "Cpus_allowed_list:\t5\n"), 1)
        XCTAssertNil(CPUBudget.affinityCount(procStatus: "Name:\tx\n"))
    }

    func testCgroupQuotasCapTheCount() {
        XCTAssertEqual(CPUBudget.quotaCPUs(["cpu.max": "150000 100000\n"]), 2)
        XCTAssertEqual(CPUBudget.quotaCPUs(["cpu.max": "100000 100000"]), 1)
        XCTAssertNil(CPUBudget.quotaCPUs(["cpu.max": "max 100000"]))
        XCTAssertEqual(CPUBudget.quotaCPUs(["cpu.cfs_quota_us": "50000", "cpu.cfs_period_us": "100000"]), 1)
        XCTAssertNil(CPUBudget.quotaCPUs(["cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"]))
        XCTAssertEqual(CPUBudget.available(procStatus: "Cpus_allowed_list:\t0-63\n", cgroupFiles: ["cpu.max": "200000 100000"]),
                       min(2, ProcessInfo.processInfo.activeProcessorCount))
        XCTAssertEqual(CPUBudget.available(procStatus: "Cpus_allowed_list:\t0\n", cgroupFiles: [:]), 1)
    }
}
