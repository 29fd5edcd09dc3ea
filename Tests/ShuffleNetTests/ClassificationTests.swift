@testable import ShuffleNet
import XCTest

final class ClassificationTests: XCTestCase {
    func testSoftmaxIsStableAndNormalised() {
        let p = Classification.softmax([1000, 1001, 999])
        XCTAssertEqual(p.reduce(0, +), 1, accuracy: 1e-6)
        XCTAssertGreaterThan(p[1], p[0])
        XCTAssertTrue(p.allSatisfy(\.isFinite))
        XCTAssertEqual(Classification.softmax([0, 0]), [0.5, 0.5])
    }

    func testTopKOrdersByProbabilityThenIndex() {
        let labels = (0..<4).map { ClassLabel(synset: "n\($0)", name: "c\($0)") }
        let top = Classification.topK([0.1, 0.4, 0.1, 0.4], k: 3, labels: labels)
        XCTAssertEqual(top.map(\.index), [1, 3, 0])
        XCTAssertEqual(top.first?.label?.name, "c1")
        XCTAssertEqual(Classification.topK([0.5, 0.5], k: 10).count, 2)
    }

    /// Both ways `topK` ranks (one-pass selection for k ≤ 32, a full sort above) against an independent sort of
    /// (−probability, index) pairs, with many ties (probabilities from 8 values).
    func testTopKMatchesAnIndependentSort() {
        var generator = SplitMix64(seed: 99)
        for n in [1, 2, 5, 31, 1000] {
            let probabilities = (0..<n).map { _ in Float(generator.next() % 8) / 8 }
            let ranked = probabilities.enumerated().map { (-$0.element, $0.offset) }.sorted { $0 < $1 }.map(\.1)
            for k in [0, 1, 3, 5, 32, 33, n] {
                XCTAssertEqual(Classification.topK(probabilities, k: k).map(\.index), Array(ranked.prefix(k)), "n \(n) k \(k)")
            }
        }
    }

    func testSynsetListParsing() throws {
        let labels = try ClassLabel.parseSynsetList("n01440764 tench, Tinca tinca\nn02124075 Egyptian cat\n\n")
        XCTAssertEqual(labels, [ClassLabel(synset: "n01440764", name: "tench"), ClassLabel(synset: "n02124075", name: "Egyptian cat")])
        XCTAssertThrowsError(try ClassLabel.parseSynsetList("n01440764\n")) { XCTAssertTrue("\($0)".contains("line 1")) }
    }
}
