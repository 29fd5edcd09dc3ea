import ShuffleNet
import XCTest

/// The paper's comparison rows (its Table 5) against our complexity count, and the SE and shallow presets.
final class PaperComparisonTests: XCTestCase {
    func testShuffleNetRowsAreReproducedWithinTolerance() throws {
        for row in PaperTable.comparison {
            guard let config = row.config else { continue }
            try config.validate()
            let mflops = Complexity(config).mflops
            XCTAssertLessThanOrEqual(abs(mflops - row.paperMFLOPs) / row.paperMFLOPs, row.tolerance, "\(row.name): \(mflops) vs \(row.paperMFLOPs)")
        }
        XCTAssertEqual(PaperTable.comparison.filter(\.isQuoted).count, 4, "the four MobileNet rows")
    }

    /// SE.md: 2× g3 counts 524.0 MFLOPs, with SE at r = 16 on every branch 526.5; SE adds 2·C·m multiply-adds.
    func testSEComplexity() throws {
        let se = try Presets.named("paper-2.0x-g3-se")
        XCTAssertEqual(se.seReduction, 16)
        XCTAssertEqual(Complexity(se).mflops, 526.5, accuracy: 0.05)
        var plain = se
        plain.seReduction = nil
        XCTAssertEqual(Complexity(plain).mflops, 524.0, accuracy: 0.05)
        let extra = se.units.map { 2 * $0.branchChannels * ($0.branchChannels / 16) }.reduce(0, +)
        XCTAssertEqual(Complexity(se).multiplyAdds - Complexity(plain).multiplyAdds, extra)
    }

    func testShallowPreset() throws {
        let shallow = try Presets.named("paper-0.5x-g3-shallow")
        XCTAssertEqual(shallow.repeats, [2, 4, 2])
        XCTAssertEqual(shallow.widths, [180, 360, 720])
        XCTAssertEqual(shallow.groups, 3)
        try shallow.validate()
        // 26 weighted layers: the stem, 3 per unit, the classifier.
        XCTAssertEqual(1 + 3 * shallow.repeats.reduce(0, +) + 1, 26)
        XCTAssertEqual(Complexity(shallow).mflops, 40, accuracy: 40 * 0.05)
    }
}
