@testable import ShuffleNet
import XCTest

/// `InferenceSession.profile`: every layer once per call, the paper's multiply-add count in total, and the
/// same logits as an unprofiled pass.
final class LayerProfileTests: XCTestCase {
    func testAProfileNamesEveryLayerAndCountsThePapersMultiplyAdds() throws {
        for preset in ["megvii-0.5x-g3", "megvii-0.5x-g8"] {
            let config = try Presets.named(preset)
            let network = PackedNetwork(try RandomWeights.make(config))
            for threads in [1, 2] { // 2: each layer split across the threads by rows, timed from the caller
                let session = InferenceSession(network: network, threads: threads, layout: .rowPlanar)
                var generator = SplitMix64(seed: 11)
                let side = config.inputSize
                session.setInput(Activation(channels: 3, height: side, width: side,
                                            data: (0..<(3 * side * side)).map { _ in Float(generator.next() % 256) }))
                let plain = Array(session.forward())
                let profile = LayerProfile()
                session.profile = profile
                for _ in 0..<3 { XCTAssertEqual(Array(session.forward()), plain, "\(preset): profiling changed the logits") }

                // Stem (conv with its im2col bands, max pool); per unit 1×1, depthwise, (avg pool,) 1×1; global pool and classifier.
                // Plus, per run of row-planar units, the conversions: the stride-2 unit before it converts its shortcut
                // and its depthwise output, and the last unit converts back.
                let strideTwo = config.units.filter { $0.stride == 2 }.count
                let layout = profile.rows.filter { $0.kind == "to row-planar" || $0.kind == "from row-planar" }
                let runs = session.planarUnits.indices.filter { session.planarUnits[$0] && ($0 == 0 || !session.planarUnits[$0 - 1]) }.count
                XCTAssertGreaterThan(runs, 0, "\(preset) has narrow groups: some units run planar")
                XCTAssertEqual(layout.count, 3 * runs, preset)
                XCTAssertEqual(profile.rows.count - layout.count, 2 + 3 * config.units.count + strideTwo + 2, preset)
                XCTAssertTrue(profile.rows.allSatisfy { $0.calls == 3 && $0.seconds > 0 }, preset)
                XCTAssertEqual(Set(profile.rows.map(\.name)).count, profile.rows.count, "\(preset): layer names repeat")
                XCTAssertEqual(profile.rows.map(\.multiplyAdds).reduce(0, +), Complexity(config).multiplyAdds,
                               "\(preset): the layers' multiply-adds add up to the paper's count")
                XCTAssertEqual(profile.rows.first { $0.name == "stage 3 unit 0 · 1×1 compress" }?.kind, "1×1 compress", preset)
                session.profile = nil
            }
        }
    }

    /// A batch spread over threads as whole images runs each image on its own thread: not profiled.
    func testWholeImageBatchesAreNotProfiled() throws {
        let config = try Presets.named("megvii-0.5x-g3")
        let session = InferenceSession(network: PackedNetwork(try RandomWeights.make(config)), maxBatch: 2, threads: 2)
        let profile = LayerProfile()
        session.profile = profile
        session.forward(batch: 2)
        XCTAssertTrue(profile.rows.isEmpty)
        session.forward(batch: 1) // one image: layers split across the threads, profiled
        XCTAssertFalse(profile.rows.isEmpty)
    }
}
